/**
 * Upgrades end to end on the test fleet, over SSH, with the daemonless systemctl (issue 13):
 * Flame v1 -> v2 on 4 hosts in batches of 2, each batch health-checked; a broken v3 fails
 * the first batch, which goes back to v2 and serves again while the second batch is never
 * touched (exit 5); `muster rollback` to v1 from the hosts' release stores with nothing
 * uploaded; the lock (a live holder refuses a host, a concurrent run is refused naming the
 * holder, a stale lock is taken over, `lock release`); and the audit trail of it all.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { startFleet } from "../fleet/fleet.ts";
import type { FleetHost } from "../fleet/host.ts";
import { buildFixture, endpoints } from "./dry_run_support.ts";
import { expectExit, fixtureCopy, muster } from "./muster.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PREFIX = "/usr/local/flame";
const SM = `${PREFIX}/bin/flame-session-manager`;

/** Flame's definition with a version, in a directory of the test's own. */
async function versionedFlame(dir: string, version: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const cp = await new Deno.Command("cp", { args: ["-a", `${ROOT}apps/flame/.`, dir] }).output();
  ok(cp.success);
  const yaml = await Deno.readTextFile(`${ROOT}apps/flame/app.yaml`);
  await Deno.writeTextFile(
    `${dir}/app.yaml`,
    yaml.replace(/^description: .*$/m, `$&\nversion: "${version}"`),
  );
  const mod = await Deno.readTextFile(`${ROOT}apps/flame/mod.ts`);
  await Deno.writeTextFile(`${dir}/mod.ts`, mod.replaceAll('"../../src/', `"${ROOT}src/`));
}

async function sha(host: FleetHost, path: string): Promise<string> {
  return (await host.sh(`sha256sum ${path} | cut -c1-64`)).stdout.trim();
}

/** Whether the session manager of a host accepts connections on its endpoint. */
async function serving(host: FleetHost): Promise<boolean> {
  const probe = `import socket; socket.create_connection(('${host.address}', 8080), 2).close()`;
  return (await host.exec(["python3", "-c", probe])).code === 0;
}

Deno.test("upgrades, health-gated rollouts, rollback, locks and the audit trail on a test fleet", async (t) => {
  await using fixture = await fixtureCopy();
  await buildFixture(fixture.dir);
  await using fleet = await startFleet({ count: 4, firstOctet: 241 });
  const hosts = fleet.hosts;
  const [h1, h2, h3, h4] = hosts;
  const inventory = await fleet.writeInventory({ hostVars: endpoints(hosts), vars: { flame_enable: true } });
  const app = `${fleet.dir}/flame-app`;
  const run = (command: string, args: string[] = []) =>
    muster([command, "--app", app, "-i", inventory, ...args], { home: fleet.home });
  const install = (args: string[] = []) =>
    run("install", ["--src-dir", fixture.dir, "--skip-build", "--ready-timeout", "5", ...args]);
  type Releases = { current?: string; releases: Array<{ id: string; version?: string }> };
  const releasesOf = async (): Promise<Record<string, Releases>> => {
    const result = await run("releases", ["--format", "json"]);
    expectExit(result, 0);
    return Object.fromEntries(
      JSON.parse(result.stdout).hosts.map((h: { name: string; releases: Releases }) => [h.name, h.releases]),
    );
  };
  const grow = async (name: string) =>
    await Deno.writeFile(`${fixture.dir}/target/release/${name}`, new Uint8Array([0, 1]), { append: true });
  let v1 = "", v2 = "";
  let v2Sum = "";

  await t.step("a fresh install keeps v1 as the current release", async () => {
    await versionedFlame(app, "0.6.0");
    expectExit(await install(), 0);
    const found = await releasesOf();
    v1 = found.host1.current!;
    match(v1, /^[0-9a-f]{8}$/);
    for (const host of hosts) {
      assertEquals(found[host.name].current, v1);
      assertEquals(found[host.name].releases.map((r) => [r.id, r.version]), [[v1, "0.6.0"]]);
    }
    const text = await run("releases", ["-l", "host1"]);
    match(text.stdout, new RegExp(`\\* ${v1}  0\\.6\\.0 .*\\(current\\)`));
  });

  await t.step(
    "a dry run says the release change and the restarts per host, and changes nothing",
    async () => {
      await versionedFlame(app, "0.7.0");
      for (const name of ["flame-session-manager", "flmctl", "flame-executor-manager"]) await grow(name);
      const result = await install(["--dry-run"]);
      expectExit(result, 0);
      const line = new RegExp(`~ release\\s+\\(${v1} \\(0\\.6\\.0\\) -> ([0-9a-f]{8}) \\(0\\.7\\.0\\)\\)`);
      match(result.stdout, line);
      v2 = line.exec(result.stdout)![1];
      match(result.stdout, /~ service flame-session-manager\s+\(restart \(its files changed\)\)/);
      match(result.stdout, /~ service flame-executor-manager\s+\(restart \(its files changed\)\)/);
      assertEquals((await releasesOf()).host1.current, v1);
    },
  );

  await t.step("v1 -> v2 in batches of 2: each batch restarted and healthy, v1 kept", async () => {
    const result = await install(["--serial", "2"]);
    expectExit(result, 0);
    const found = await releasesOf();
    for (const host of hosts) {
      assertEquals(found[host.name].current, v2);
      assertEquals(found[host.name].releases.map((r) => r.id).sort(), [v1, v2].sort());
      ok(await serving(host), host.name);
    }
    v2Sum = await sha(h1, SM);
    // A rerun changes nothing, and the checksum record still matches the files linked into the store.
    const rerun = await install();
    expectExit(rerun, 0);
    assertEquals(rerun.report!.summary.changed, 0);
    const record = await h1.sh(
      `grep -F '${SM}	' /var/lib/muster/checksums/flame_usr_local_flame.tsv | cut -f2; stat -c '%s %Y %Z %i' ${SM}`,
    );
    const [recorded, now] = record.stdout.trim().split("\n");
    assertEquals(recorded, now);
  });

  await t.step(
    "a broken v3 fails the first batch, which goes back to v2 and serves; the rest is untouched",
    async () => {
      const bin = `${fixture.dir}/target/release/flame-session-manager`;
      await Deno.rename(bin, `${bin}.v2`);
      await Deno.writeTextFile(bin, "#!/bin/sh\necho 'v3 session manager: cannot start' >&2\nexit 1\n");
      await Deno.chmod(bin, 0o755);
      try {
        const result = await install(["--serial", "2", "--ready-timeout", "3"]);
        expectExit(result, 5);
        const report = result.report!;
        assertEquals(report.hosts.map((h) => [h.name, h.status, h.exitCode]), [
          ["host1", "failed", 5],
          ["host2", "failed", 5],
          ["host3", "skipped", 0],
          ["host4", "skipped", 0],
        ]);
        for (const host of report.hosts.slice(0, 2)) {
          // What the check (or the restart) said, with the service's own last words.
          match(host.error!, /flame-session-manager/);
          match(host.error!, /v3 session manager: cannot start/);
          const warnings = host.steps.flatMap((step) => step.warnings ?? []);
          ok(
            warnings.some((w) =>
              w.includes(`rolled back to release ${v2} (0.7.0): its services restarted and are healthy`)
            ),
            JSON.stringify(warnings),
          );
        }
        const found = await releasesOf();
        for (const host of [h1, h2]) {
          assertEquals(found[host.name].current, v2, host.name);
          assertEquals(await sha(host, SM), v2Sum);
          ok(await serving(host), host.name);
        }
        for (const host of [h3, h4]) {
          assertEquals(found[host.name].current, v2);
          assertEquals(found[host.name].releases.length, 2);
          assertEquals(await sha(host, SM), v2Sum);
        }
      } finally {
        await Deno.rename(`${bin}.v2`, bin);
      }
    },
  );

  await t.step("rollback --to v1 puts every host back from its store, nothing uploaded", async () => {
    const result = await run("rollback", ["--to", "0.6.0", "--serial", "2"]);
    expectExit(result, 0);
    for (const host of result.report!.hosts) {
      const steps = Object.fromEntries(host.steps.map((s) => [`${s.role}/${s.step}`, s]));
      assertEquals(steps["release/rollback"].status, "changed");
      match(
        steps["release/rollback"].changes[0].detail!,
        new RegExp(`${v2} \\(0\\.7\\.0\\) -> ${v1} \\(0\\.6\\.0\\)`),
      );
      assertEquals(
        steps["release/restart"].changes.map((c) => c.target).sort(),
        ["service flame-executor-manager", "service flame-object-cache", "service flame-session-manager"],
      );
    }
    for (const host of hosts) {
      // The files in place are the store's own inodes: linked, not sent.
      const inodes = await host.sh(`stat -c %i ${SM} ${PREFIX}/.releases/${v1}/bin/flame-session-manager`);
      const [live, kept] = inodes.stdout.trim().split("\n");
      assertEquals(live, kept, host.name);
      ok(await serving(host), host.name);
    }
    assertEquals((await releasesOf()).host3.current, v1);
    // No staged upload was ever made by the rollback: its report has no step that uploads.
    ok(!result.report!.hosts.some((h) => h.steps.some((s) => s.role === "install")));
  });

  await t.step(
    "a host locked by a live run is refused naming it; once its holder is gone, the lock is taken over",
    async () => {
      const holder = new Deno.Command("sleep", { args: ["60"] }).spawn();
      const lock = JSON.stringify({
        user: "alice",
        controller: Deno.hostname(),
        pid: holder.pid,
        command: "muster install -i prod.yaml",
        app: "flame",
        started: new Date().toISOString(),
      });
      await h1.sh(
        `mkdir -p /var/lib/muster/locks && printf '%s\\n' '${lock}' > /var/lib/muster/locks/flame_usr_local_flame.lock`,
      );
      try {
        const refused = await install(["-l", "host1"]);
        expectExit(refused, 1);
        match(
          refused.report!.hosts[0].error!,
          new RegExp(`locked by alice@.* \\(pid ${holder.pid}, since .*\\): muster install -i prod\\.yaml`),
        );
        assertEquals(await sha(h1, SM) !== v2Sum, true, "nothing changed on the locked host");
        const shown = await muster(["lock", "status", "--app", app, "-i", inventory, "-l", "host1"], {
          home: fleet.home,
        });
        expectExit(shown, 0);
        match(shown.stdout, new RegExp(`host1 .*: locked by alice@.* \\(pid ${holder.pid}\\)`));
      } finally {
        holder.kill();
        await holder.status;
      }
      const taken = await install(["-l", "host1"]);
      expectExit(taken, 0);
      const warnings = taken.report!.hosts[0].steps.flatMap((s) => s.warnings ?? []);
      ok(warnings.some((w) => /took over the stale lock of alice@/.test(w)), JSON.stringify(warnings));
      assertEquals(await sha(h1, SM), v2Sum);
      assertEquals((await h1.sh("ls /var/lib/muster/locks")).stdout.trim(), "");
    },
  );

  await t.step("muster lock release frees a host whose holder cannot be told gone", async () => {
    const lock = JSON.stringify({
      user: "bob",
      controller: "elsewhere",
      pid: 1,
      command: "muster install",
      app: "flame",
      started: new Date().toISOString(),
    });
    await h2.sh(
      `mkdir -p /var/lib/muster/locks && printf '%s\\n' '${lock}' > /var/lib/muster/locks/flame_usr_local_flame.lock`,
    );
    expectExit(await install(["-l", "host2"]), 1);
    const released = await muster(["lock", "release", "--app", app, "-i", inventory, "-l", "host2"], {
      home: fleet.home,
    });
    expectExit(released, 0);
    assertEquals((await h2.sh("ls /var/lib/muster/locks")).stdout.trim(), "");
    expectExit(await install(["-l", "host2"]), 0);
  });

  await t.step("of two concurrent runs on a host, the second is refused naming the first", async () => {
    // The first run waits on its service's ready check while it holds the lock.
    const slow = `${fleet.dir}/slow`;
    await Deno.mkdir(slow, { recursive: true });
    await Deno.writeTextFile(
      `${slow}/app.yaml`,
      [
        "name: slow",
        "title: Slow",
        "description: A service that takes a while to be ready",
        "vars_prefix: slow_",
        "vars:",
        "  prefix: { type: path, doc: Where }",
        "  profiles: { type: list, doc: What, choices: [main], default: [main] }",
        "  systemd: { type: bool, doc: Units }",
        "  enable: { type: bool, doc: Start }",
        "prefix: { default: /opt/slow, must_contain: slow }",
        "user: { name: slow, home: /var/lib/slow }",
        "source: {}",
        "build: {}",
        "artifacts: {}",
        "profiles: { var: profiles, of: { main: { services: [slow] } } }",
        'layout: [{ path: "" }]',
        "services:",
        "  - name: slow",
        "    description: Slow",
        "    exec: /bin/sh -c 'exec sleep 600'",
        "    ready: { command: 'sleep 6', timeout: 20 }",
        "uninstall: { remove: [], markers: [] }",
        "",
      ].join("\n"),
    );
    const slowRun = () =>
      muster(["install", "--app", slow, "-i", inventory, "-l", "host4", "--src-dir", slow, "--enable"], {
        home: fleet.home,
      });
    const first = slowRun();
    let held = false;
    for (let i = 0; i < 120 && !held; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      held = (await h4.sh("[ -f /var/lib/muster/locks/slow_opt_slow.lock ] && echo held")).stdout.trim() ===
        "held";
    }
    ok(held, "the first run took the lock");
    const second = await slowRun();
    expectExit(second, 1);
    match(
      second.report!.hosts[0].error!,
      /The host is locked by .*@.* \(pid \d+, since .*\): muster install --app .*slow/,
    );
    expectExit(await first, 0);
  });

  await t.step("the audit trail has a line per run that changed a host", async () => {
    const result = await run("audit", ["--format", "json", "-n", "10"]);
    expectExit(result, 0);
    const trails = Object.fromEntries(
      JSON.parse(result.stdout).hosts.map((h: { name: string; audit: Array<Record<string, string>> }) => [
        h.name,
        h.audit.map((e) => [e.outcome, e.before, e.after]),
      ]),
    );
    assertEquals(trails.host1, [
      ["ok", "", v1],
      ["ok", v1, v2],
      ["rolled-back", v2, v2],
      ["ok", v2, v1],
      ["ok", v1, v2],
    ]);
    assertEquals(trails.host3, [["ok", "", v1], ["ok", v1, v2], ["ok", v2, v1]]);
    const text = await run("audit", ["-l", "host3", "-n", "1"]);
    match(text.stdout, new RegExp(`ok  release ${v2} -> ${v1}  muster rollback --app`));
    const entry = JSON.parse((await h3.sh("tail -n 1 /var/lib/muster/audit/flame.jsonl")).stdout);
    assertEquals(Object.keys(entry).sort(), [
      "after",
      "app",
      "before",
      "command",
      "controller",
      "outcome",
      "pid",
      "started",
      "time",
      "user",
    ]);
  });
});
