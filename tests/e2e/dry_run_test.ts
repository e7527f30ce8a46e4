/**
 * `--dry-run` end to end on the test fleet: the plan of fresh hosts lists every file and
 * unit the install then creates and nothing else, the real run changes exactly what the plan
 * said, nothing changes on any host during a dry run (install or uninstall), a second dry
 * run after the install shows no changes, and secrets never show in diffs.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import type { HostResult } from "../../src/engine/result.ts";
import { startFleet } from "../fleet/fleet.ts";
import {
  buildFixture,
  changeLines,
  endpoints,
  installTrees,
  pathsUnder,
  treeHash,
} from "./dry_run_support.ts";
import { expectExit, fixtureCopy, muster } from "./muster.ts";

const PREFIX = "/opt/flame";

/** Plan lines with the SDK's detail left out: a dry run does not build the wheel, so it cannot name it. */
function comparable(host: HostResult): string[] {
  return changeLines(host, { details: true }).map((line) =>
    // The SDK's wheel, and so the release's content id, are known once the wheel is built.
    line.replace(/^(\w+ \S+\/sdk\/python\/flamepy) \(.*\)$/, "$1").replace(/^(\w+ release) \(.*\)$/, "$1")
  );
}

Deno.test("install --dry-run end to end on a test fleet", async (t) => {
  await using fixture = await fixtureCopy();
  await buildFixture(fixture.dir);
  await using fleet = await startFleet({ count: 2, firstOctet: 61 });
  const inventory = await fleet.writeInventory({ hostVars: endpoints(fleet.hosts) });
  const install = (args: string[]) =>
    muster(["install", "-i", inventory, "--src-dir", fixture.dir, "--prefix", PREFIX, "--enable", ...args], {
      home: fleet.home,
    });
  const hashes = () => Promise.all(fleet.hosts.map((host) => treeHash(host, installTrees(PREFIX))));
  const roots = [PREFIX, "/etc/systemd/system", "/var/lib/flame"];
  const before = await Promise.all(fleet.hosts.map((host) => pathsUnder(host, roots)));
  let plan: HostResult[] = [];

  await t.step("a dry run on fresh hosts plans the whole install and changes nothing", async () => {
    const hashed = await hashes();
    const result = await install(["--dry-run"]);
    expectExit(result, 0);
    assertEquals(await hashes(), hashed, "no host changed");
    assertEquals(result.report!.dryRun, true);
    plan = result.report!.hosts;
    for (const host of plan) {
      const lines = changeLines(host);
      ok(lines.includes("create group flame") && lines.includes("create user flame"), lines.join("\n"));
      ok(lines.includes(`create ${PREFIX}/data/`), lines.join("\n"));
      ok(lines.includes("create /etc/systemd/system/flame-session-manager.service"), lines.join("\n"));
      ok(lines.includes("change service flame-session-manager"), lines.join("\n"));
    }
    // Terraform-style: signs, new text files with their content, a Plan line per host and for the fleet.
    match(result.stdout, /^ {2}\+ \/opt\/flame\/data\/ {2}\(mode 0700, owner flame\)$/m);
    match(result.stdout, /^ {2}\+ \/opt\/flame\/bin\/flmctl {2}\(sha256 [0-9a-f]{12}\)$/m);
    match(result.stdout, /^ {6}\+ExecStart=\/opt\/flame\/bin\/flame-session-manager --config /m);
    match(result.stdout, /^ {6}\+FLAME_HOME='\/opt\/flame'$/m);
    match(result.stdout, /^ {2}Plan: 31 to add, 3 to change, 0 to remove\.$/m);
    match(result.stdout, /^Fleet plan: 62 to add, 6 to change, 0 to remove on 2 hosts\.$/m);
    assertEquals(/Building/.test(result.stderr), false, "a dry run builds nothing");
  });

  await t.step(
    "the install then creates exactly what the plan listed, and changes what it said",
    async () => {
      const result = await install([]);
      expectExit(result, 0);
      for (const [i, host] of fleet.hosts.entries()) {
        const applied = result.report!.hosts[i];
        assertEquals(comparable(applied), comparable(plan[i]), `${host.name}: the real run's changes`);
        const targets = new Set(
          changeLines(plan[i]).filter((line) => line.startsWith("create /")).map((line) =>
            line.slice("create ".length).replace(/\/$/, "")
          ),
        );
        const created = [...await pathsUnder(host, roots)].filter((path) => !before[i].has(path));
        const enabled = changeLines(plan[i], { details: true }).flatMap((line) =>
          /^change service (\S+) \(.*enable/.exec(line)?.slice(1) ?? []
        );
        // The SDK is one planned item (pip writes its files), the flame user's home comes with the
        // user, and enabling a service is systemctl's link in a target's .wants/.
        const covered = (path: string) =>
          targets.has(path) || path.startsWith(`${PREFIX}/sdk/`) || path.startsWith("/var/lib/flame") ||
          // The release store is one planned item (`release`), as is the lock's state directory.
          path.startsWith(`${PREFIX}/.releases`) || path.startsWith("/var/lib/muster") ||
          enabled.some((unit) =>
            new RegExp(`^/etc/systemd/system/[^/]+\\.wants(/${unit}\\.service)?$`).test(path)
          );
        assertEquals(created.filter((path) => !covered(path)), [], `${host.name}: created but not planned`);
        const createdSet = new Set(created);
        assertEquals(
          [...targets].filter((path) => !createdSet.has(path)),
          [],
          `${host.name}: planned, not created`,
        );
        assertEquals((await host.sh("getent passwd flame && getent group flame")).code, 0);
      }
    },
  );

  await t.step("after the install, a dry run prints no changes", async () => {
    const hashed = await hashes();
    const result = await install(["--dry-run"]);
    expectExit(result, 0);
    assertEquals(await hashes(), hashed);
    match(result.stdout, /^ {2}No changes\.$/m);
    match(result.stdout, /^Fleet plan: 0 to add, 0 to change, 0 to remove on 2 hosts\.$/m);
    for (const host of result.report!.hosts) assertEquals(changeLines(host), []);
  });

  await t.step("a drifted host's dry run shows modes, checksums and a diff with secrets masked", async () => {
    const [h1] = fleet.hosts;
    await h1.sh(
      `chmod 0700 ${PREFIX}/bin/flmctl && printf 'extra:\\n  password: hunter2\\n' >> ${PREFIX}/conf/flame-cluster.yaml` +
        ` && echo '# local' >> ${PREFIX}/sbin/flmenv.sh`,
    );
    const hashed = await hashes();
    const result = await install(["--dry-run", "-l", "host1"]);
    expectExit(result, 0);
    assertEquals(await hashes(), hashed);
    match(result.stdout, /^ {2}~ \/opt\/flame\/bin\/flmctl {2}\(mode 0700 -> 0755\)$/m);
    match(result.stdout, /^ {6}-# local$/m);
    match(result.stdout, /^ {6}- {2}password: \*{8}$/m);
    assertEquals(result.stdout.includes("hunter2"), false, "the secret is masked in the plan");
    assertEquals(JSON.stringify(result.report).includes("hunter2"), false, "and in the report");
    // Plain install keeps a changed configuration; --repair would rewrite it.
    match(
      result.stdout,
      /kept: the file on the host differs from the template, which the inventory now asks for; `muster install --repair` rewrites it/,
    );
    const repair = await install(["--dry-run", "--repair", "-l", "host1"]);
    match(repair.stdout, /~ \/opt\/flame\/conf\/flame-cluster\.yaml {2}\(differs from the configuration/);
  });

  await t.step("uninstall --dry-run lists what would go and changes nothing", async () => {
    const hashed = await hashes();
    const result = await muster(["uninstall", "-i", inventory, "--prefix", PREFIX, "--dry-run"], {
      home: fleet.home,
    });
    expectExit(result, 0);
    assertEquals(await hashes(), hashed);
    // Exactly RFE333's order: stop (executor manager first), back up, units, files, the prefix.
    const backup = /^\/opt\/flame\.backup\.\d{8}-\d{6}\/$/;
    for (const host of result.report!.hosts) {
      const lines = changeLines(host).map((line) =>
        line.replace(/\/opt\/flame\.backup\.\d{8}-\d{6}\//, "BACKUP/")
      );
      assertEquals(lines, [
        "change service flame-executor-manager",
        "change service flame-object-cache",
        "change service flame-session-manager",
        "create BACKUP/",
        "remove /etc/systemd/system/flame-executor-manager.service",
        "remove /etc/systemd/system/flame-object-cache.service",
        "remove /etc/systemd/system/flame-session-manager.service",
        `remove ${PREFIX}/bin/`,
        `remove ${PREFIX}/sbin/`,
        `remove ${PREFIX}/sdk/`,
        `remove ${PREFIX}/work/`,
        `remove ${PREFIX}/data/`,
        `remove ${PREFIX}/conf/`,
        `remove ${PREFIX}/logs/`,
        `remove ${PREFIX}/.releases/`,
        `remove ${PREFIX}/`,
      ], host.name);
      ok(host.steps.some((step) => step.changes.some((change) => backup.test(change.target))), host.name);
    }
    match(result.stdout, /^ {2}- \/opt\/flame\/bin\/ {2}\(9 Flame binaries\)$/m);
    match(result.stdout, /^ {2}Plan: 1 to add, 3 to change, 12 to remove\. \(each of 2 hosts\)$/m);
    match(result.stdout, /^Fleet plan: 2 to add, 6 to change, 24 to remove on 2 hosts\.$/m);
  });
});
