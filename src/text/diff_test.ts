import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { unifiedDiff } from "./diff.ts";

Deno.test("unifiedDiff() shows the changed lines of a text file under its path", () => {
  assertEquals(
    unifiedDiff("/p/conf/flame-cluster.yaml", "a: 1\nb: 2\n", "a: 1\nb: 3\n"),
    [
      "--- /p/conf/flame-cluster.yaml\ton the host",
      "+++ /p/conf/flame-cluster.yaml\twanted",
      "@@ -1,2 +1,2 @@",
      " a: 1",
      "-b: 2",
      "+b: 3",
    ].join("\n"),
  );
});

Deno.test("unifiedDiff() shows a new file as a diff from /dev/null", () => {
  assertEquals(
    unifiedDiff("/p/sbin/flmenv.sh", undefined, "export A=1\n"),
    ["--- /dev/null", "+++ /p/sbin/flmenv.sh\twanted", "@@ -0,0 +1,1 @@", "+export A=1"].join("\n"),
  );
});
