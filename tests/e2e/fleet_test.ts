/**
 * A multi-node Flame cluster on a 5-host test fleet over SSH: profiles per host, one
 * build for the fleet, idempotence, an unreachable host with its real cause, --resume,
 * a changed host key, --serial from the journal's timestamps, Ctrl-C, and uninstall.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import type { JournalEntry } from "../../src/report/journal.ts";
import { type FleetHost, startFleet } from "../fleet/fleet.ts";
import { expectExit, fixtureCopy, MOD, muster, musterEnv } from "./muster.ts";

const CONTROL_PLANE = ["flame-object-cache", "flame-session-manager", "flmadm", "flmctl"];
const WORKER = ["flame-executor-manager", "flmexec-service", "flmping-service"];

async function binaries(host: FleetHost, prefix: string): Promise<string[]> {
  return (await host.sh(`ls ${prefix}/bin 2>/dev/null`)).stdout.split("\n").filter(Boolean).sort();
}

async function journal(home: string): Promise<JournalEntry[]> {
  const text = await Deno.readTextFile(`${home}/.local/state/muster/journal.jsonl`);
  return text.split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

Deno.test("a 5-host Flame cluster over SSH", async (t) => {
  await using fixture = await fixtureCopy();
  await using fleet = await startFleet({ count: 5, firstOctet: 31 });
  const [cp, ...workers] = fleet.hosts;
  const inventory = await fleet.writeInventory({
    groups: { control_plane: ["host1"], workers: workers.map((h) => h.name) },
    hostVars: Object.fromEntries([
      ["host1", { flame_profiles: ["control-plane", "cache"] }],
      ...workers.map((h) => [h.name, { flame_profiles: ["worker"] }]),
    ]),
  });
  const install = (args: string[]) =>
    muster(["install", "-i", inventory, "--src-dir", fixture.dir, ...args], { home: fleet.home });

  await t.step("a fleet-wide install gives each host exactly its profile's files, built once", async () => {
    const result = await install(["--enable"]);
    expectExit(result, 0);
    assertEquals(result.report!.summary.changed, 5);
    assertEquals(result.stderr.match(/Building: done/g)?.length, 1, "one build for the whole fleet");
    assertEquals(await binaries(cp, "/usr/local/flame"), CONTROL_PLANE);
    assertEquals((await cp.sh("ls /etc/systemd/system | grep flame")).stdout.trim().split("\n"), [
      "flame-object-cache.service",
      "flame-session-manager.service",
    ]);
    assertEquals(
      (await cp.sh("test -e /usr/local/flame/sdk/python/flamepy")).code,
      1,
      "no SDK on the control plane",
    );
    for (const worker of workers) {
      assertEquals(await binaries(worker, "/usr/local/flame"), WORKER, worker.name);
      match(
        (await worker.sh("cat /usr/local/flame/conf/flame-cluster.yaml")).stdout,
        /endpoint: "http:\/\/127\.0\.0\.31:8080"/,
      );
      assertEquals(
        (await worker.sh("ls /etc/systemd/system | grep flame")).stdout.trim(),
        "flame-executor-manager.service",
      );
      assertEquals(
        (await worker.sh("systemctl is-active flame-executor-manager.service")).stdout.trim(),
        "active",
      );
      assertEquals(
        (await worker.sh("grep -c Requires= /etc/systemd/system/flame-executor-manager.service")).stdout
          .trim(),
        "0",
      );
    }
  });

  await t.step("a second install reports 0 changed on every host", async () => {
    const result = await install(["--enable"]);
    expectExit(result, 0);
    assertEquals(result.report!.summary.changed, 0);
    assertEquals(result.report!.summary.ok, 5);
  });

  await t.step(
    "with one host's sshd stopped, the others succeed and it is unreachable with the real cause (exit 3)",
    async () => {
      await workers[2].stopSshd();
      const result = await install(["--prefix", "/opt/flame2", "--no-systemd"]);
      expectExit(result, 3);
      const down = result.report!.hosts.find((h) => h.name === "host4")!;
      assertEquals(down.status, "unreachable");
      assertEquals(down.category, "network");
      match(down.error!, /connection refused/);
      match(result.stdout, /host4 .*unreachable=1[\s\S]*connection refused/);
      for (const host of result.report!.hosts.filter((h) => h.name !== "host4")) {
        assertEquals(host.status, "changed");
      }
    },
  );

  await t.step("--resume installs only that host once it is back", async () => {
    await workers[2].startSshd();
    const result = await muster(["--resume"], { home: fleet.home });
    expectExit(result, 0);
    assertEquals(result.report!.hosts.map((h) => [h.name, h.status]), [["host4", "changed"]]);
    assertEquals(await binaries(workers[2], "/opt/flame2"), WORKER);
    const again = await muster(["--resume"], { home: fleet.home });
    expectExit(again, 0);
    match(again.stdout, /Nothing to resume/);
  });

  await t.step("a host whose key changed is refused, with the reason", async () => {
    await workers[3].rotateHostKey();
    const result = await install(["--prefix", "/opt/flame2", "--no-systemd"]);
    expectExit(result, 3);
    const host5 = result.report!.hosts.find((h) => h.name === "host5")!;
    assertEquals(host5.status, "unreachable");
    assertEquals(host5.category, "host-key");
    match(host5.error!, /host key changed/);
    match(host5.error!, /ssh-keygen -R/);
    // Accept the new key as an operator would, for the steps that follow.
    await new Deno.Command("ssh-keygen", { args: ["-R", workers[3].address, "-f", fleet.knownHostsFile] })
      .output();
  });

  await t.step(
    "--serial 2 never works on more than 2 hosts at once (from the journal's timestamps)",
    async () => {
      const result = await install(["--prefix", "/opt/flame3", "--no-systemd", "--serial", "2"]);
      expectExit(result, 0);
      const entry = (await journal(fleet.home)).at(-1)!;
      assertEquals(entry.hosts.length, 5);
      const spans = entry.hosts.map((h) => [Date.parse(h.startedAt!), Date.parse(h.endedAt!)]);
      for (const [start] of spans) {
        const running = spans.filter(([s, e]) => s <= start && start < e).length;
        ok(running <= 2, `${running} hosts at once at ${new Date(start).toISOString()}`);
      }
    },
  );

  await t.step(
    "Ctrl-C in the middle starts nothing new, leaves no half-written file and writes the report",
    async () => {
      const report = `${fleet.dir}/interrupted.json`;
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--quiet",
          MOD,
          "install",
          "-i",
          inventory,
          "--src-dir",
          fixture.dir,
          "--prefix",
          "/opt/flame4",
          "--no-systemd",
          "--forks",
          "1",
          "--report",
          report,
        ],
        env: musterEnv(fleet.home),
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
      let seen = "";
      while (!/\[host1\] (changed|ok)/.test(seen)) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += value;
      }
      child.kill("SIGINT");
      const [status, stdout] = await Promise.all([
        child.status,
        new Response(child.stdout).text(),
        (async () => {
          while (!(await reader.read()).done);
        })(),
      ]);
      assertEquals(status.code, 130, stdout);
      const written = JSON.parse(await Deno.readTextFile(report));
      assertEquals(written.exitCode, 130);
      const statuses = written.hosts.map((h: { status: string }) => h.status);
      assertEquals(statuses[0], "changed");
      ok(statuses.includes("skipped"), statuses.join(","));
      for (const host of written.hosts.filter((h: { status: string }) => h.status === "skipped")) {
        assertEquals(host.category, "cancelled", host.name);
      }
      for (const host of fleet.hosts) {
        const leftovers = await host.sh(
          "find /opt /tmp /var/tmp -name '*.muster-tmp' -o -name 'muster-stage-*' 2>/dev/null",
        );
        assertEquals(leftovers.stdout, "", host.name);
      }
    },
  );

  await t.step(
    "a fleet-wide uninstall --force removes Flame from every host, with a backup on each",
    async () => {
      const result = await muster(["uninstall", "-i", inventory, "--force"], { home: fleet.home });
      expectExit(result, 0);
      for (const host of fleet.hosts) {
        assertEquals((await host.sh("test -e /usr/local/flame")).code, 1, host.name);
        const backups = (await host.sh("ls -d /usr/local/flame.backup.*")).stdout.trim().split("\n");
        assertEquals(backups.length, 1, host.name);
        assertEquals(
          (await host.sh(`cd ${backups[0]} && sha256sum -c --quiet MANIFEST.sha256`)).code,
          0,
          host.name,
        );
        assertEquals((await host.sh("ls /etc/systemd/system | grep flame")).stdout, "", host.name);
      }
    },
  );
});
