import { deepStrictEqual as assertEquals, match } from "node:assert/strict";
import type { ValidateReport } from "../../commands/validate.ts";
import { makeStyle } from "../../report/style.ts";
import { main } from "../program.ts";
import { recordingIo } from "../testing.ts";
import { renderValidation } from "./validate.ts";

function check(step: string, status: "ok" | "failed" | "skipped", detail: string) {
  return { role: "validate", step, status, changes: [], durationMs: 0, detail };
}

Deno.test("renderValidation() prints a table per host with each check and why", () => {
  const report: ValidateReport = {
    command: "validate",
    dryRun: true,
    startedAt: "2026-01-01T00:00:00.000Z",
    durationMs: 3,
    exitCode: 1,
    summary: { hosts: 1, ok: 0, changed: 0, failed: 1, unreachable: 0, skipped: 0 },
    hosts: [{
      name: "w1",
      address: "10.0.0.1",
      status: "failed",
      exitCode: 1,
      durationMs: 3,
      steps: [
        check("ssh", "ok", "logged in as deploy on 10.0.0.1:22"),
        check("privileges", "failed", "sudo -n true as root failed for deploy: sudo: a password is required"),
        check("commands", "skipped", "not checked: sudo failed"),
      ],
    }],
  };
  assertEquals(renderValidation(report, makeStyle(false)).split("\n"), [
    "w1 (10.0.0.1): invalid",
    "  ok    ssh         logged in as deploy on 10.0.0.1:22",
    "  FAIL  privileges  sudo -n true as root failed for deploy: sudo: a password is required",
    "  skip  commands    not checked: sudo failed",
    "",
    "Validate: 1 host: 0 valid, 1 invalid; exit 1",
  ]);
});

Deno.test("muster validate checks the local machine by default and reports as JSON", async () => {
  const { io, stdout } = recordingIo();
  const code = await main([
    "validate",
    "--no-systemd",
    "--prefix",
    "/var/tmp/muster-validate/flame",
    "--format",
    "json",
  ], io);
  const report = JSON.parse(stdout());
  assertEquals(report.command, "validate");
  assertEquals(report.hosts[0].name, "localhost");
  assertEquals(report.hosts[0].steps.map((s: { step: string }) => s.step), [
    "inventory",
    "resolve",
    "ssh",
    "privileges",
    "commands",
    "prefix",
  ]);
  // This machine can take a user-local-prefix install: every check passes, and says what it found.
  assertEquals([code, report.exitCode], [0, 0]);
  assertEquals(report.hosts[0].steps.map((s: { status: string }) => s.status), Array(6).fill("ok"));
  const detail = (step: string) =>
    report.hosts[0].steps.find((s: { step: string }) => s.step === step).detail;
  assertEquals(detail("ssh"), "local connection");
  assertEquals(detail("prefix"), "/var/tmp/muster-validate/flame can be created in /var/tmp");
  match(detail("commands"), /^found sh, stat, sha256sum, base64, .*python3 \(pip\)/);
});

Deno.test("muster discover without --output is a usage error", async () => {
  const { io, stderr } = recordingIo();
  assertEquals(await main(["discover"], io), 1);
  match(stderr(), /--output/);
});
