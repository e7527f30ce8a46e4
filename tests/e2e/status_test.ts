/**
 * `muster status` and `install --repair` end to end on the test fleet: an installed fleet is
 * in sync (exit 0); after tampering (a binary's mode, the config, a unit, a service) status
 * names exactly those drifts on exactly those hosts (exit 2); `--repair` converges only the
 * drifted hosts, after which status exits 0; an unreachable host is an error (exit 1).
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import type { StatusReport } from "../../src/commands/status.ts";
import { startFleet } from "../fleet/fleet.ts";
import { buildFixture, changeLines, endpoints, installTrees, treeHash } from "./dry_run_support.ts";
import { expectExit, fixtureCopy, muster } from "./muster.ts";

const PREFIX = "/opt/flame";
const UNITS = "/etc/systemd/system";

Deno.test("status and install --repair end to end on a test fleet", async (t) => {
  await using fixture = await fixtureCopy();
  await buildFixture(fixture.dir);
  await using fleet = await startFleet({ count: 5, firstOctet: 66 });
  const [h1, h2, h3, h4, h5] = fleet.hosts;
  const inventory = await fleet.writeInventory({
    hostVars: endpoints(fleet.hosts),
    vars: { flame_prefix: PREFIX, flame_enable: true },
  });
  const run = (command: string, args: string[] = []) =>
    muster([command, "-i", inventory, "--src-dir", fixture.dir, ...args], { home: fleet.home });
  const drifts = (report: StatusReport) =>
    Object.fromEntries(report.hosts.map((host) => [host.name, changeLines(host, { details: true })]));

  await t.step("an installed fleet is in sync: exit 0", async () => {
    expectExit(await run("install"), 0);
    const result = await run("status");
    expectExit(result, 0);
    for (const host of fleet.hosts) {
      match(result.stdout, new RegExp(`^${host.name} \\(${host.address}\\): in sync$`, "m"));
    }
    match(result.stdout, /Status: 5 hosts: 5 in sync, 0 drifted \(0 drifts\), 0 not checked; exit 0/);
  });

  await t.step(
    "after tampering, status names exactly those drifts on exactly those hosts: exit 2",
    async () => {
      await h1.sh(`chmod 0700 ${PREFIX}/bin/flmctl`);
      await h2.sh(`sed -i 's/max_executors: 128/max_executors: 4/' ${PREFIX}/conf/flame-cluster.yaml`);
      await h3.sh(`rm ${UNITS}/flame-object-cache.service`);
      await h4.sh("systemctl stop flame-executor-manager.service");
      const hashes = await Promise.all(fleet.hosts.map((host) => treeHash(host, installTrees(PREFIX))));
      const result = await run("status", ["--format", "json"]);
      expectExit(result, 2);
      const report = JSON.parse(result.stdout) as StatusReport;
      assertEquals(drifts(report), {
        host1: [`change ${PREFIX}/bin/flmctl (mode 0700 -> 0755)`],
        host2: [
          `change ${PREFIX}/conf/flame-cluster.yaml (differs from the configuration the inventory describes)`,
        ],
        host3: [
          `create ${UNITS}/flame-object-cache.service`,
          "change service flame-object-cache (enable, start)",
        ],
        host4: ["change service flame-executor-manager (start)"],
        host5: [],
      });
      assertEquals(report.drift.drifted, ["host1", "host2", "host3", "host4"]);
      assertEquals(report.drift.inSync, ["host5"]);
      assertEquals(report.hosts.map((host) => host.exitCode), [2, 2, 2, 2, 0]);
      const diff = report.hosts[1].steps.flatMap((step) => step.changes)[0].diff!;
      match(diff, /^- {2}limits: \{ max_executors: 4 \}$/m);
      match(diff, /^\+ {2}limits: \{ max_executors: 128 \}$/m);
      // Without --src-dir nothing is compared by checksum, and these drifts show all the same.
      const unbuilt = await muster(["status", "-i", inventory, "--format", "json"], { home: fleet.home });
      expectExit(unbuilt, 2);
      const unbuiltReport = JSON.parse(unbuilt.stdout) as StatusReport;
      assertEquals(drifts(unbuiltReport), drifts(report));
      assertEquals([report.drift.checksums, unbuiltReport.drift.checksums], [true, false]);
      assertEquals(
        await Promise.all(fleet.hosts.map((host) => treeHash(host, installTrees(PREFIX)))),
        hashes,
        "status changes nothing",
      );
    },
  );

  await t.step("the text view lists each host's drift and the fleet summary", async () => {
    const result = await run("status");
    expectExit(result, 2);
    match(result.stdout, /^host1 \(127\.0\.0\.66\): 1 drift$/m);
    match(result.stdout, /^ {2}~ \/opt\/flame\/bin\/flmctl {2}\(mode 0700 -> 0755\)$/m);
    match(result.stdout, /^ {2}\+ \/etc\/systemd\/system\/flame-object-cache\.service {2}\(missing\)$/m);
    match(result.stdout, /^host5 \(127\.0\.0\.70\): in sync$/m);
    match(result.stdout, /Status: 5 hosts: 1 in sync, 4 drifted \(5 drifts\), 0 not checked; exit 2/);
    match(result.stdout, /-l host1,host2,host3,host4/);
  });

  await t.step(
    "install --repair fixes the drift, touches only the drifted hosts, and status exits 0",
    async () => {
      const untouched = await treeHash(h5, installTrees(PREFIX));
      const result = await run("install", ["--repair"]);
      expectExit(result, 0);
      const statuses = Object.fromEntries(result.report!.hosts.map((host) => [host.name, host.status]));
      assertEquals(statuses, {
        host1: "changed",
        host2: "changed",
        host3: "changed",
        host4: "changed",
        host5: "ok",
      });
      assertEquals(await treeHash(h5, installTrees(PREFIX)), untouched);
      assertEquals((await h1.sh(`stat -c %a ${PREFIX}/bin/flmctl`)).stdout.trim(), "755");
      match((await h2.sh(`cat ${PREFIX}/conf/flame-cluster.yaml`)).stdout, /max_executors: 128/);
      assertEquals((await h3.sh(`test -f ${UNITS}/flame-object-cache.service`)).code, 0);
      assertEquals(
        (await h4.sh("systemctl is-active flame-executor-manager.service")).stdout.trim(),
        "active",
      );
      expectExit(await run("status"), 0);
    },
  );

  await t.step("an unreachable host is an error: exit 1, the other hosts still reported", async () => {
    await h5.stopSshd();
    try {
      const result = await run("status");
      expectExit(result, 1);
      match(result.stdout, /^host5 \(127\.0\.0\.70\): not checked$/m);
      match(result.stdout, /Cannot connect to deploy@127\.0\.0\.70:22: .*(refused|ECONNREFUSED)/i);
      match(result.stdout, /4 in sync, 0 drifted \(0 drifts\), 1 not checked; exit 1/);
      ok(result.report);
    } finally {
      await h5.startSshd();
    }
  });

  await t.step("plain install keeps a changed configuration, so status still reports it", async () => {
    await h2.sh(`sed -i 's/max_executors: 128/max_executors: 8/' ${PREFIX}/conf/flame-cluster.yaml`);
    const install = await run("install", ["-l", "host2"]);
    expectExit(install, 0);
    assertEquals(install.report!.hosts[0].status, "ok");
    const result = await run("status", ["-l", "host2", "--format", "json"]);
    expectExit(result, 2);
    assertEquals((JSON.parse(result.stdout) as StatusReport).drift.drifted, ["host2"]);
  });

  await t.step(
    "a binary changed to the same size and mtime is found: reruns hash only what changed",
    async () => {
      // install recorded what it put there: a rerun takes the checksum from the record.
      const record = (await h5.sh("cat /var/lib/muster/checksums/flame_opt_flame.tsv")).stdout;
      match(record, /^\/opt\/flame\/bin\/flmctl\t\d+ \d+ \d+ \d+\t[0-9a-f]{64}$/m);
      await h5.sh(
        `m=$(stat -c %Y ${PREFIX}/bin/flmctl) && printf X | dd of=${PREFIX}/bin/flmctl bs=1 seek=64 conv=notrunc 2>/dev/null` +
          ` && touch -d @$m ${PREFIX}/bin/flmctl`,
      );
      const result = await run("status", ["-l", "host5", "--format", "json"]);
      expectExit(result, 2);
      const lines = changeLines((JSON.parse(result.stdout) as StatusReport).hosts[0], { details: true });
      assertEquals(lines.length, 1);
      match(lines[0], /^change \/opt\/flame\/bin\/flmctl \(sha256 [0-9a-f]{12} -> [0-9a-f]{12}\)$/);
      expectExit(await run("status", ["-l", "host5", "--checksum"]), 2);
      expectExit(await run("install", ["-l", "host5"]), 0);
      expectExit(await run("status", ["-l", "host5"]), 0);
    },
  );
});
