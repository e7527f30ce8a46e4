import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { unitBelongs } from "./services.ts";

Deno.test("unitBelongs() knows a unit by its command under the prefix, or a file under it it runs", () => {
  assertEquals(unitBelongs("[Service]\nExecStart=/opt/flame/bin/fsm --config x\n", "/opt/flame"), true);
  assertEquals(
    unitBelongs("ExecStart=-/usr/bin/python3 /opt/hello/bin/hello.py /opt/hello/conf/e\n", "/opt/hello"),
    true,
  );
  assertEquals(
    unitBelongs("ExecStart=/opt/flame2/bin/fsm --config /opt/flame2/conf/c\n", "/opt/flame"),
    false,
  );
  assertEquals(unitBelongs("Description=/opt/flame/x\nExecStart=/usr/bin/true\n", "/opt/flame"), false);
  assertEquals(unitBelongs(undefined, "/opt/flame"), false);
});
