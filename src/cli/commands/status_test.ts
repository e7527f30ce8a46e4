import { deepStrictEqual as assertEquals, match } from "node:assert/strict";
import type { StatusReport } from "../../commands/status.ts";
import { makeStyle } from "../../report/style.ts";
import { main } from "../program.ts";
import { recordingIo } from "../testing.ts";
import { renderDrift } from "./status.ts";

const REPORT: StatusReport = {
  command: "status",
  dryRun: true,
  startedAt: "2026-01-01T00:00:00.000Z",
  durationMs: 10,
  exitCode: 2,
  summary: { hosts: 3, ok: 1, changed: 1, failed: 0, unreachable: 1, skipped: 0 },
  hosts: [
    {
      name: "w1",
      address: "10.0.0.1",
      status: "changed",
      exitCode: 2,
      durationMs: 5,
      steps: [
        {
          role: "install",
          step: "binaries",
          status: "changed",
          durationMs: 0,
          changes: [
            { action: "change", target: "/p/bin/flmctl", detail: "mode 0700 -> 0755" },
            { action: "create", target: "/p/bin/flmping", detail: "missing" },
          ],
        },
        {
          role: "install",
          step: "config",
          status: "changed",
          durationMs: 0,
          changes: [{
            action: "change",
            target: "/p/conf/flame-cluster.yaml",
            detail: "differs from the configuration the inventory describes",
            diff: "--- a\n+++ b\n@@ -1 +1 @@\n-token: hunter2\n+name: x",
          }],
        },
      ],
    },
    { name: "w2", address: "10.0.0.2", status: "ok", exitCode: 0, durationMs: 5, steps: [] },
    {
      name: "w3",
      address: "10.0.0.3",
      status: "unreachable",
      exitCode: 1,
      durationMs: 5,
      error: "Cannot connect to deploy@10.0.0.3:22: connect ECONNREFUSED",
      steps: [],
    },
  ],
  drift: { inSync: ["w2"], drifted: ["w1"], failed: ["w3"], changes: 3, checksums: true },
};

Deno.test("renderDrift() lists each host's drift, masks secrets and sums up the fleet", () => {
  const text = renderDrift(REPORT, makeStyle(false));
  assertEquals(text.split("\n").slice(0, 11), [
    "w1 (10.0.0.1): 3 drifts",
    "  ~ /p/bin/flmctl  (mode 0700 -> 0755)",
    "  + /p/bin/flmping  (missing)",
    "  ~ /p/conf/flame-cluster.yaml  (differs from the configuration the inventory describes)",
    "      --- a",
    "      +++ b",
    "      @@ -1 +1 @@",
    "      -token: ********",
    "      +name: x",
    "w2 (10.0.0.2): in sync",
    "w3 (10.0.0.3): not checked",
  ]);
  match(text, /Status: 3 hosts: 1 in sync, 1 drifted \(3 drifts\), 1 not checked; exit 2/);
  match(text, /muster install --repair/);
});

Deno.test("muster status --help takes install's options and says what the exit codes mean", async () => {
  const { io, stdout } = recordingIo();
  assertEquals(await main(["status", "--help"], io), 0);
  for (const option of ["--src-dir", "--prefix", "--no-systemd", "--enable", "--format", "--limit"]) {
    match(stdout(), new RegExp(option));
  }
  match(stdout().replace(/\s+/g, " "), /exit 0 in sync, 2 drift, 1 error/);
});

Deno.test("muster status with a bad prefix exits 1, not 2", async () => {
  const { io, stderr } = recordingIo();
  assertEquals(await main(["status", "--prefix", "relative/flame"], io), 1);
  match(stderr(), /Invalid prefix/);
});
