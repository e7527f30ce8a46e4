import { deepStrictEqual as assertEquals, match } from "node:assert/strict";
import { main } from "./program.ts";
import { recordingIo } from "./testing.ts";

const FIXTURE = new URL("../../tests/fixtures/flame", import.meta.url).pathname;

Deno.test("muster --help lists every command", async () => {
  const { io, stdout } = recordingIo();
  assertEquals(await main(["--help"], io), 0);
  for (
    const command of [
      "install",
      "uninstall",
      "status",
      "validate",
      "discover",
      "inventory",
      "rollback",
      "releases",
      "lock",
      "audit",
    ]
  ) {
    match(stdout(), new RegExp(`^  ${command}\\b`, "m"));
  }
});

Deno.test("muster install --help describes every option with its default", async () => {
  const { io, stdout } = recordingIo();
  assertEquals(await main(["install", "--help"], io), 0);
  for (
    const option of [
      "--inventory",
      "--limit",
      "--forks",
      "--extra-vars",
      "--format",
      "--report",
      "--verbose",
      "--no-color",
      "--src-dir",
      "--src-repo",
      "--src-ref",
      "--prefix",
      "--no-systemd",
      "--enable",
      "--skip-build",
      "--clean",
      "--dry-run",
      "--serial",
      "--max-fail-percent",
      "--host-key-checking",
    ]
  ) match(stdout(), new RegExp(option));
  match(stdout(), /\(default: 50\)/);
  match(stdout().replace(/\s+/g, " "), /Flame: https:\/\/github\.com\/xflops-io\/flame\.git/);
});

Deno.test("a usage error exits 1 with a one-line message and a hint", async () => {
  for (const argv of [["install", "--bogus"], ["install", "--forks", "0"], ["frobnicate"]]) {
    const { io, stderr } = recordingIo();
    assertEquals(await main(argv, io), 1, argv.join(" "));
    match(stderr(), /error: .+\n/);
    match(stderr(), /--help/);
  }
});

Deno.test("install with a relative prefix exits 1 naming it, before building anything", async () => {
  const { io, stderr } = recordingIo();
  assertEquals(await main(["install", "--src-dir", FIXTURE, "--prefix", "flame", "--dry-run"], io), 1);
  match(stderr(), /Invalid prefix: 'flame' is not an absolute path/);
});

Deno.test("install --enable --no-systemd is a conflict: exit 1 with a hint", async () => {
  const { io, stderr } = recordingIo();
  const code = await main([
    "install",
    "--src-dir",
    FIXTURE,
    "--prefix",
    "/opt/flame",
    "--enable",
    "--no-systemd",
  ], io);
  assertEquals(code, 1);
  match(stderr(), /--enable needs systemd/);
  match(stderr(), /hint: /);
});

Deno.test("muster --version says the version deno.json gives", async () => {
  const { io, stdout } = recordingIo();
  assertEquals(await main(["--version"], io), 0);
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  assertEquals(stdout().trim(), config.version);
});

Deno.test("muster status refuses install's options that would change nothing there", async () => {
  for (const option of ["--clean", "--skip-build", "--src-repo=x", "--src-ref=y"]) {
    const { io, stderr } = recordingIo();
    assertEquals(await main(["status", option], io), 1, option);
    match(stderr(), new RegExp(`unknown option '${option}'`));
  }
});

Deno.test("muster install --help shows each default once", async () => {
  const { io, stdout } = recordingIo();
  assertEquals(await main(["install", "--help"], io), 0);
  const text = stdout().replace(/\s+/g, " ");
  match(text, /repeatable \(default: the built-in local inventory\) -l/);
  assertEquals(/\(default: \[\]\)/.test(text), false);
});

Deno.test("muster lock and rollback take their options, and a usage error in a subcommand exits 1", async () => {
  for (const argv of [["lock", "status", "--help"], ["lock", "release", "--help"], ["rollback", "--help"]]) {
    const { io, stdout } = recordingIo();
    assertEquals(await main(argv, io), 0, argv.join(" "));
    match(stdout(), /--inventory/);
  }
  const { io, stderr } = recordingIo();
  assertEquals(await main(["lock", "status", "--bogus"], io), 1);
  match(stderr(), /error: unknown option '--bogus'/);
});
