import { deepStrictEqual as assertEquals, match as assertMatch, ok as assert } from "node:assert/strict";
import type { UninstallPlan } from "../../commands/uninstall.ts";
import { makeStyle } from "../../report/style.ts";
import type { Io } from "../io.ts";
import { main } from "../program.ts";
import { checkCanAsk, confirm, renderConfirmation } from "./uninstall.ts";

/** An Io that answers prompts from a list and records everything written. */
function fakeIo(answers: string[] = [], tty = true): Io & { text(): string; asked: string[] } {
  const written: string[] = [];
  const asked: string[] = [];
  return {
    out: (text) => written.push(text),
    err: (text) => written.push(text),
    stdoutTty: false,
    stderrTty: false,
    stdinTty: tty,
    env: () => undefined,
    prompt: (question) => {
      asked.push(question);
      return Promise.resolve(answers.shift());
    },
    text: () => written.join(""),
    asked,
  };
}

const plain = makeStyle(false);

const PLAN: UninstallPlan = {
  app: "Flame",
  host: "web1",
  address: "10.0.0.1",
  prefix: "/opt/flame",
  nothingToDo: false,
  stop: ["flame-executor-manager", "flame-session-manager"],
  remove: [
    "/etc/systemd/system/flame-session-manager.service",
    "/opt/flame/bin/",
    "/opt/flame/conf/",
    "/opt/flame/",
  ],
  preserve: ["/opt/flame/data/"],
  backup: { dir: "/opt/flame.backup.20250101-120000", contents: ["conf/", "logs/"] },
  noBackup: [],
  remains: [],
};

Deno.test("renderConfirmation() lists per host what is stopped, removed, preserved and where the backup goes", () => {
  const text = renderConfirmation([
    PLAN,
    {
      ...PLAN,
      host: "web2",
      address: "10.0.0.2",
      error: "Cannot uninstall /opt/flame: it is a symlink to '/usr'",
    },
    { ...PLAN, host: "web3", address: "10.0.0.3", nothingToDo: true },
  ], plain);
  assertEquals(
    text,
    [
      "muster uninstall will:",
      "",
      "web1 (10.0.0.1): /opt/flame",
      "  stop:      flame-executor-manager, flame-session-manager",
      "  - remove /etc/systemd/system/flame-session-manager.service",
      "  - remove /opt/flame/bin/",
      "  - remove /opt/flame/conf/",
      "  - remove /opt/flame/",
      "  = preserve /opt/flame/data/",
      "  + backup of conf/, logs/ to /opt/flame.backup.20250101-120000",
      "",
      "web2 (10.0.0.2): /opt/flame",
      "  ! not uninstalled: Cannot uninstall /opt/flame: it is a symlink to '/usr'",
      "",
      "web3 (10.0.0.3): /opt/flame",
      "  nothing to do: no Flame installation there",
    ].join("\n"),
  );
});

Deno.test("confirm() asks once for the whole run and accepts y or yes", async () => {
  for (
    const [answer, expected] of [["y", true], ["YES", true], ["n", false], ["", false], [
      undefined,
      false,
    ]] as const
  ) {
    const io = fakeIo(answer === undefined ? [] : [answer]);
    assertEquals(
      await confirm(io, plain, [PLAN, { ...PLAN, host: "web2" }], false),
      expected,
      String(answer),
    );
    assertEquals(io.asked, ["Uninstall Flame from 2 hosts? [y/N] "]);
  }
});

Deno.test("confirm() with --no-backup also asks to type yes, and only 'yes' will do", async () => {
  const plan = { ...PLAN, backup: undefined, noBackup: ["/opt/flame/conf/"] };
  const yes = fakeIo(["y", "yes"]);
  assertEquals(await confirm(yes, plain, [plan], true), true);
  assertEquals(yes.asked, [
    "Uninstall Flame from 1 host? [y/N] ",
    "Type 'yes' to delete them without a backup: ",
  ]);
  assertMatch(yes.text(), /! \/opt\/flame\/conf\/ is deleted for good \(--no-backup\)/);
  assertEquals(await confirm(fakeIo(["y", "y"]), plain, [plan], true), false);
});

Deno.test("confirm() does not ask when no host has anything to do", async () => {
  const io = fakeIo();
  assertEquals(
    await confirm(io, plain, [{ ...PLAN, nothingToDo: true }, { ...PLAN, error: "refused" }], false),
    true,
  );
  assertEquals(io.asked, []);
});

Deno.test("checkCanAsk() needs a terminal, with a hint to use --force", () => {
  checkCanAsk(fakeIo([], true), true);
  assert(
    (() => {
      try {
        checkCanAsk(fakeIo([], false), false);
      } catch (error) {
        return /standard input is not a terminal/.test((error as Error).message);
      }
    })(),
  );
});

Deno.test("muster uninstall rejects conflicting options and unsafe prefixes with exit 1 before reaching any host", async () => {
  const cases: Array<[string[], RegExp]> = [
    [
      ["--no-backup", "--backup-dir", "/var/backups/flame", "--force"],
      /Conflicting options: --no-backup and --backup-dir/,
    ],
    [["--prefix", "/usr", "--force"], /'\/usr' is the system path/],
    [["--prefix", "/opt/flame/../../usr", "--force", "--no-backup"], /is the system path '\/usr'/],
    [["--prefix", "relative/flame", "--force"], /not an absolute path/],
    [["--prefix", "/opt/app", "--force"], /does not contain 'flame'/],
    [["--prefix", "/opt/flame", "--backup-dir", "/opt/flame/backup", "--force"], /overlaps the prefix/],
  ];
  for (const [args, message] of cases) {
    const io = fakeIo();
    // An inventory that does not exist: these checks come before it is read.
    assertEquals(
      await main(["uninstall", "-i", "/nonexistent/inventory.yml", ...args], io),
      1,
      args.join(" "),
    );
    assertMatch(io.text(), message);
  }
});

Deno.test("muster uninstall --help lists every option", async () => {
  const io = fakeIo();
  assertEquals(await main(["uninstall", "--help"], io), 0);
  for (
    const flag of [
      "--prefix",
      "--preserve-data",
      "--preserve-config",
      "--preserve-logs",
      "--backup-dir",
      "--no-backup",
      "--force",
      "--remove-user",
      "--dry-run",
    ]
  ) {
    assert(io.text().includes(flag), flag);
  }
});
