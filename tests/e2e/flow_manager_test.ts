/**
 * The Flow Manager of seed 002 end to end on the test fleet, over SSH, with the same generic
 * roles as Flame: `--app flow-manager -l managers` installs it from source into a virtualenv
 * (its requirement installed offline from wheels built on the controller), runs it as its own
 * user under systemd and checks `/health`; a rerun changes nothing; status finds drift and
 * `--repair` fixes it; an unhealthy start fails the host (exit 5) with the answer; validate and
 * discover work; uninstall leaves a verified backup; and Flame on the same host does not clash.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { StatusReport } from "../../src/commands/status.ts";
import { startFleet } from "../fleet/fleet.ts";
import type { FleetHost } from "../fleet/host.ts";
import { buildFixture, changeLines, installTrees, treeHash } from "./dry_run_support.ts";
import { expectExit, fixtureCopy, muster } from "./muster.ts";

const FIXTURE = fileURLToPath(new URL("../fixtures/flow-manager", import.meta.url));
const PREFIX = "/opt/flow-manager";
const UNIT = "/etc/systemd/system/flow-manager.service";

/** What `GET /health` answers on a host, read on that host. */
async function health(host: FleetHost, port = 8000): Promise<{ code: number; body: string }> {
  const probe = [
    "import sys, urllib.request, urllib.error",
    "try:",
    `  r = urllib.request.urlopen('http://${host.address}:${port}/health', timeout=3); print(r.status); print(r.read().decode())`,
    "except urllib.error.HTTPError as e:",
    "  print(e.code); print(e.read().decode())",
  ].join("\n");
  const result = await host.exec(["python3", "-c", probe]);
  const [code, ...body] = result.stdout.trim().split("\n");
  return { code: Number(code), body: body.join("\n") };
}

Deno.test("the Flow Manager end to end on a test fleet", async (t) => {
  // Hosts see the source through a copy outside /tmp (their /tmp is private).
  await using copy = await fixtureCopy();
  const src = `${copy.dir}/flow-manager`;
  const cp = await new Deno.Command("cp", { args: ["-a", FIXTURE, src] }).output();
  ok(cp.success);
  await using fleet = await startFleet({ count: 3, firstOctet: 161 });
  const [h1, h2, h3] = fleet.hosts;
  const inventory = await fleet.writeInventory({
    groups: { managers: ["host1", "host2"], flame: ["host3"] },
    // Both apps' variables in one inventory; each server binds its own host's address.
    hostVars: Object.fromEntries(fleet.hosts.map((host) => [host.name, {
      flow_manager_host: host.address,
      flow_manager_log_level: "INFO",
      flame_endpoint: `http://${host.address}:8080`,
      flame_cache_endpoint: `grpc://${host.address}:9090`,
    }])),
    vars: { flow_manager_enable: true, flame_prefix: "/opt/flame", flame_enable: true },
  });
  const fm = (command: string, args: string[] = []) => {
    const source = command === "uninstall" ? [] : ["--src-dir", src];
    return muster([command, "--app", "flow-manager", "-i", inventory, ...source, ...args], {
      home: fleet.home,
    });
  };

  await t.step(
    "a dry run plans the virtualenv, the config, the unit and the start, and changes nothing",
    async () => {
      const before = await treeHash(h1, [PREFIX, ...installTrees(PREFIX)]);
      const result = await fm("install", ["-l", "managers", "--dry-run", "--format", "json"]);
      expectExit(result, 0);
      const report = JSON.parse(result.stdout);
      const lines = changeLines(report.hosts[0]);
      for (
        const line of [
          "create user flowmgr",
          `create ${PREFIX}/venv/`,
          `create ${PREFIX}/venv/ (virtualenv)`,
          `create ${PREFIX}/conf/config.json`,
          `create ${UNIT}`,
          "change service flow-manager",
        ]
      ) ok(lines.includes(line), `${line} in ${lines.join("\n")}`);
      assertEquals(await treeHash(h1, [PREFIX, ...installTrees(PREFIX)]), before);
    },
  );

  await t.step(
    "--app flow-manager -l managers installs and starts it healthy on those hosts only",
    async () => {
      const result = await fm("install", ["-l", "managers"]);
      expectExit(result, 0);
      match(result.stdout, /Flow Manager is installed in \/opt\/flow-manager on 2 hosts/);
      for (const host of [h1, h2]) {
        const answer = await health(host);
        assertEquals(answer.code, 200);
        assertEquals(JSON.parse(answer.body), {
          status: "healthy",
          service: "flow-manager",
          socket_dir: "/tmp/kawaflow/sockets",
          components: { container_manager: "active", socket_handler: "active", event_handler: "active" },
        });
        const facts = await host.sh(
          `id -un flowmgr; stat -c '%U %a' ${PREFIX}/data; ${PREFIX}/venv/bin/python -c 'import flow_manager, kawaflow_events; print(flow_manager.__version__)'; ` +
            `ps -o user= -C flow-manager | sort -u; grep -E '^(User|ExecStart|Environment)=' ${UNIT}`,
        );
        assertEquals(facts.code, 0, facts.stderr);
        const out = facts.stdout.split("\n");
        assertEquals(out.slice(0, 3), ["flowmgr", "flowmgr 700", "1.0.0"]);
        ok(out.includes("User=flowmgr"), facts.stdout);
        ok(out.includes(`ExecStart=${PREFIX}/venv/bin/flow-manager`), facts.stdout);
        ok(out.includes(`Environment="HOST=${host.address}"`), facts.stdout);
        ok(out.includes('Environment="PORT=8000"'), facts.stdout);
        const config = JSON.parse(await Deno.readTextFile(`${host.root}${PREFIX}/conf/config.json`));
        assertEquals(config.server, { host: host.address, port: 8000, cors_origins: ["*"] });
      }
      assertEquals(
        (await h3.sh(`[ -e ${PREFIX} ] || [ -e ${UNIT} ] || echo untouched`)).stdout.trim(),
        "untouched",
      );
    },
  );

  await t.step("a second install changes nothing and says so", async () => {
    const result = await fm("install", ["-l", "managers"]);
    expectExit(result, 0);
    assertEquals(result.report!.summary.changed, 0);
    assertEquals(result.report!.summary.ok, 2);
  });

  await t.step("status names a drifted config and a stopped service; --repair fixes them", async () => {
    await h1.sh(`sed -i 's/"log_level": "INFO"/"log_level": "DEBUG"/' ${PREFIX}/conf/config.json`);
    await h2.sh("systemctl stop flow-manager.service");
    const result = await fm("status", ["-l", "managers", "--format", "json"]);
    expectExit(result, 2);
    const report = JSON.parse(result.stdout) as StatusReport;
    assertEquals(
      Object.fromEntries(report.hosts.map((host) => [host.name, changeLines(host, { details: true })])),
      {
        host1: [`change ${PREFIX}/conf/config.json (differs from the configuration the inventory describes)`],
        host2: ["change service flow-manager (start)"],
      },
    );
    expectExit(await fm("install", ["-l", "managers", "--repair"]), 0);
    expectExit(await fm("status", ["-l", "managers"]), 0);
    assertEquals((await health(h2)).code, 200);
    match(await Deno.readTextFile(`${h1.root}${PREFIX}/conf/config.json`), /"log_level": "INFO"/);
  });

  await t.step("an unhealthy start fails the host with exit 5 and the /health answer", async () => {
    // The operator's own config (kept by install) makes the service unhealthy.
    await h2.sh(
      `sed -i 's/^{$/{ "fault": "unhealthy",/' ${PREFIX}/conf/config.json && systemctl stop flow-manager.service`,
    );
    const result = await fm("install", ["-l", "managers"]);
    expectExit(result, 5);
    const [one, two] = result.report!.hosts;
    assertEquals([one.status, two.status], ["ok", "failed"]);
    assertEquals(two.exitCode, 5);
    assertEquals(two.category, "health");
    match(
      two.error!,
      /flow-manager did not answer healthy on http:\/\/127\.0\.0\.162:8000\/health within 5s/,
    );
    match(two.error!, /answered HTTP 503, expected 200: .*"status": "unhealthy"/);
    expectExit(await fm("install", ["-l", "managers", "--repair"]), 0);
    assertEquals((await health(h2)).code, 200);
  });

  await t.step("validate passes and discover writes an inventory that status finds in sync", async () => {
    const validated = await muster(["validate", "--app", "flow-manager", "-i", inventory, "-l", "managers"], {
      home: fleet.home,
    });
    expectExit(validated, 0);
    const found = `${fleet.dir}/found.yml`;
    const discovered = await muster(
      ["discover", "--app", "flow-manager", "-i", inventory, "-l", "managers", "--output", found],
      { home: fleet.home },
    );
    expectExit(discovered, 0);
    match(discovered.stdout, /Wrote .*found\.yml: 2 hosts with Flow Manager/);
    const text = await Deno.readTextFile(found);
    match(text, /flow_manager_prefix: \/opt\/flow-manager/);
    match(text, /flow_manager_enable: true/);
    const status = await muster(["status", "--app", "flow-manager", "-i", found, "--src-dir", src], {
      home: fleet.home,
    });
    expectExit(status, 0);
  });

  await t.step("Flame and the Flow Manager on one host do not clash", async () => {
    await buildFixture(copy.dir);
    const flame = await muster(["install", "-i", inventory, "-l", "flame", "--src-dir", copy.dir], {
      home: fleet.home,
    });
    expectExit(flame, 0);
    expectExit(await fm("install", ["-l", "flame"]), 0);
    assertEquals((await health(h3)).code, 200);
    const active = await h3.sh(
      "for u in flow-manager flame-session-manager flame-object-cache flame-executor-manager; do " +
        "systemctl is-active $u.service; done; ps -o user= -C flow-manager; ps -o user= -C flame-session-manager",
    );
    assertEquals(active.stdout.trim().split("\n"), [
      "active",
      "active",
      "active",
      "active",
      "flowmgr",
      "flame",
    ]);
    // Removing one app leaves the other running, with its files and units.
    expectExit(await fm("uninstall", ["-l", "flame", "--force"]), 0);
    const left = await h3.sh(
      `[ ! -e ${PREFIX} ] && [ ! -e ${UNIT} ] && [ -x /opt/flame/bin/flame-session-manager ] && ` +
        "systemctl is-active flame-session-manager.service",
    );
    assertEquals(left.stdout.trim(), "active", left.stderr);
  });

  await t.step("uninstall stops it and leaves a verified backup of conf/, data/ and logs/", async () => {
    const result = await fm("uninstall", ["-l", "managers", "--force"]);
    expectExit(result, 0);
    for (const [i, host] of [h1, h2].entries()) {
      const backup = result.report!.hosts[i].backupDir!;
      match(backup, /^\/opt\/flow-manager\.backup\.\d{8}-\d{6}$/);
      const check = await host.sh(
        `[ ! -e ${PREFIX} ] && [ ! -e ${UNIT} ] && cd ${backup} && sha256sum -c --quiet MANIFEST.sha256 && ` +
          `ls ${backup} && grep -c log_level conf/config.json`,
      );
      assertEquals(check.code, 0, check.stderr);
      assertEquals(check.stdout.trim().split("\n"), [
        "MANIFEST.sha256",
        "conf",
        "data",
        "logs",
        "manifest.tsv",
        "1",
      ]);
      assertEquals((await host.sh("pgrep -u flowmgr || echo none")).stdout.trim(), "none");
    }
  });
});
