import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { HostResult } from "../engine/result.ts";
import { driftResult, StatusExit } from "./status.ts";

function host(
  status: HostResult["status"],
  changes: HostResult["steps"][number]["changes"] = [],
): HostResult {
  return {
    name: "h1",
    address: "10.0.0.1",
    status,
    exitCode: 0,
    durationMs: 1,
    steps: [{ role: "install", step: "config", status: "ok", changes, durationMs: 0 }],
  };
}

Deno.test("driftResult() counts a kept configuration as drift: exit 2", () => {
  const kept = host("ok", [{ action: "change", target: "/p/conf/flame-cluster.yaml", diff: "-a\n+b" }]);
  const result = driftResult(kept);
  assertEquals(result.status, "changed");
  assertEquals(result.exitCode, StatusExit.drift);
  assertEquals(result.steps[0].status, "changed");
});

Deno.test("driftResult() reports a host without changes in sync: exit 0", () => {
  const result = driftResult(host("ok"));
  assertEquals([result.status, result.exitCode, result.steps[0].status], ["ok", StatusExit.inSync, "ok"]);
});

Deno.test("driftResult() makes an unreachable or failed host an error: exit 1", () => {
  for (const status of ["unreachable", "failed", "skipped"] as const) {
    assertEquals(driftResult({ ...host(status), exitCode: 3 }).exitCode, StatusExit.error, status);
  }
});
