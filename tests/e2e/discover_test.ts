/**
 * `muster discover` end to end on the test fleet: a fleet installed with a non-default
 * prefix (one host with systemd and every profile, one without systemd as a worker and
 * client, one with nothing) is found, written as an inventory, and `status` with that
 * inventory exits 0. An unreachable host is reported (exit 1) without losing the others.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import { parse } from "yaml";
import type { DiscoverReport } from "../../src/commands/discover.ts";
import { startFleet } from "../fleet/fleet.ts";
import { buildFixture, endpoints } from "./dry_run_support.ts";
import { expectExit, fixtureCopy, muster } from "./muster.ts";

const PREFIX = "/srv/flm/flame";

Deno.test("discover end to end on a test fleet", async (t) => {
  await using fixture = await fixtureCopy();
  await buildFixture(fixture.dir);
  await using fleet = await startFleet({ count: 3, firstOctet: 76 });
  const [h1, h2, h3] = fleet.hosts;
  const ends = endpoints(fleet.hosts);
  const installed = await fleet.writeInventory({
    hostVars: {
      host1: { ...ends.host1, flame_prefix: PREFIX, flame_enable: true },
      host2: {
        ...ends.host2,
        flame_prefix: PREFIX,
        flame_systemd: false,
        flame_profiles: ["worker", "client"],
      },
    },
  });
  // What an operator starts from: connection details, and the prefix of the one host without units.
  const plain = await fleet.writeInventory({ hostVars: { host2: { flame_prefix: PREFIX } } });
  const output = `${fleet.dir}/discovered.yml`;
  const discover = (args: string[] = []) =>
    muster(["discover", "-i", plain, "--output", output, ...args], { home: fleet.home });

  await t.step("install two hosts with a non-default prefix", async () => {
    expectExit(
      await muster(["install", "-i", installed, "-l", "host1,host2", "--src-dir", fixture.dir], {
        home: fleet.home,
      }),
      0,
    );
  });

  await t.step("discover finds both installations and writes an inventory of them", async () => {
    const result = await discover();
    expectExit(result, 0);
    match(
      result.stdout,
      /^host1 \(127\.0\.0\.76\): \/srv\/flm\/flame \(control-plane, worker, cache, client; /m,
    );
    match(result.stdout, /^host3 \(127\.0\.0\.78\): no Flame installation$/m);
    match(result.stdout, /Wrote .*discovered\.yml: 2 hosts with Flame/);
    const hosts = parse(await Deno.readTextFile(output)).all.hosts;
    assertEquals(Object.keys(hosts), ["host1", "host2"]);
    assertEquals(hosts.host1, {
      ansible_host: h1.address,
      ansible_user: "deploy",
      ansible_ssh_private_key_file: fleet.keyFile,
      ansible_become: true,
      flame_prefix: PREFIX,
      flame_profiles: ["control-plane", "worker", "cache", "client"],
      flame_systemd: true,
      flame_enable: true,
      flame_cluster_name: "flame",
      flame_endpoint: `http://${h1.address}:8080`,
      flame_cache_endpoint: `grpc://${h1.address}:9090`,
    });
    assertEquals(hosts.host2.flame_profiles, ["worker", "client"]);
    assertEquals(hosts.host2.flame_systemd, false);
    assertEquals("flame_enable" in hosts.host2, false);
    assertEquals(hosts.host2.flame_endpoint, `http://${h2.address}:8080`);
    const report = result.report as DiscoverReport;
    assertEquals(report.hosts.map((host) => host.status), ["ok", "ok", "skipped"]);
  });

  await t.step("status with the discovered inventory reports every host in sync: exit 0", async () => {
    const result = await muster(["status", "-i", output, "--src-dir", fixture.dir], { home: fleet.home });
    expectExit(result, 0);
    match(result.stdout, /Status: 2 hosts: 2 in sync, 0 drifted/);
  });

  await t.step("an unreachable host is reported with its cause; the others are still written", async () => {
    await h3.stopSshd();
    try {
      const result = await discover();
      expectExit(result, 1);
      assertEquals(result.report!.hosts.find((host) => host.name === "host3")!.category, "network");
      match(
        result.stdout,
        /^host3 \(127\.0\.0\.78\): not visited: Cannot connect to deploy@127\.0\.0\.78:22/m,
      );
      assertEquals(Object.keys(parse(await Deno.readTextFile(output)).all.hosts), ["host1", "host2"]);
    } finally {
      await h3.startSshd();
    }
  });

  await t.step("discover never overwrites the inventory it reads", async () => {
    const result = await muster(["discover", "-i", plain, "--output", plain], { home: fleet.home });
    expectExit(result, 1);
    assertEquals(result.report!.error!.category, "validation");
    match(result.stderr, /Refusing to overwrite the inventory being read/);
    ok((await Deno.readTextFile(plain)).includes("ansible_host"));
  });
});
