/**
 * Services end to end on the test fleet, over SSH, with the daemonless systemctl: what a
 * service is checked against, how many installations share a host, and what happens when a
 * service will not do as told (not ready in time, will not stop, a failed backup after the
 * stop), and the fleet rules (--serial N%, --max-fail-percent, --resume after uninstall).
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import { startFleet } from "../fleet/fleet.ts";
import type { FleetHost } from "../fleet/host.ts";
import { buildFixture, endpoints } from "./dry_run_support.ts";
import { expectExit, fixtureCopy, muster } from "./muster.ts";

/** The main PID systemctl reports for a unit on a host. */
async function pidOf(host: FleetHost, unit: string): Promise<string> {
  return (await host.sh(`systemctl show -p MainPID ${unit}.service | cut -d= -f2`)).stdout.trim();
}

Deno.test("services end to end on a test fleet", async (t) => {
  await using fixture = await fixtureCopy();
  await buildFixture(fixture.dir);
  await using fleet = await startFleet({ count: 3, firstOctet: 121 });
  const [h1, h2, h3] = fleet.hosts;
  const inventory = await fleet.writeInventory({ hostVars: endpoints(fleet.hosts) });
  const run = (command: string, args: string[]) =>
    muster([
      command,
      "-i",
      inventory,
      ...(command === "uninstall" ? [] : ["--src-dir", fixture.dir]),
      ...args,
    ], {
      home: fleet.home,
    });

  await t.step(
    "--enable waits on the endpoint the kept configuration names, and says it is kept",
    async () => {
      expectExit(await run("install", ["-l", "host1"]), 0);
      // The inventory now asks for another port; the kept configuration still says 8080.
      const result = await run("install", [
        "-l",
        "host1",
        "--enable",
        "--ready-timeout",
        "5",
        "-e",
        `flame_endpoint=http://${h1.address}:8081`,
      ]);
      expectExit(result, 0);
      match(
        result.stdout,
        /warning: \/usr\/local\/flame\/conf\/flame-cluster\.yaml: kept: the file on the host differs from the template, which the inventory now asks for; `muster install --repair` rewrites it/,
      );
      assertEquals(
        (await h1.sh("systemctl is-active flame-session-manager.service")).stdout.trim(),
        "active",
      );
    },
  );

  await t.step(
    "after an upgrade of a binary, the service that runs it restarts",
    async () => {
      const before = await pidOf(h1, "flame-session-manager");
      // A new build of the session manager (another byte at its end, as a rebuild would change it).
      await Deno.writeFile(`${fixture.dir}/target/release/flame-session-manager`, new Uint8Array([0]), {
        append: true,
      });
      const result = await run("install", ["-l", "host1", "--enable", "--skip-build"]);
      expectExit(result, 0);
      const services = result.report!.hosts[0].steps.find((s) => s.step === "services")!;
      ok(
        services.changes.some((c) =>
          c.target === "service flame-session-manager" && c.detail === "restart (its files changed)"
        ),
        JSON.stringify(services.changes),
      );
      const after = await pidOf(h1, "flame-session-manager");
      ok(after !== before && after !== "0", `${before} -> ${after}`);
    },
  );

  await t.step("a failed backup starts again the services it stopped, and removes nothing", async () => {
    // The backup goes to a file system that cannot take it: the copy fails after the stop.
    await h1.sh("mkdir -p /srv/full && mount -t tmpfs -o ro,size=1m tmpfs /srv/full");
    const result = await run("uninstall", ["-l", "host1", "--force", "--backup-dir", "/srv/full/backup"]);
    expectExit(result, 4);
    const steps = Object.fromEntries(result.report!.hosts[0].steps.map((s) => [s.step, s.status]));
    assertEquals([steps.services, steps.backup, steps.files], ["changed", "failed", "skipped"]);
    assertEquals(result.report!.hosts[0].category, "install");
    for (const unit of ["flame-session-manager", "flame-object-cache", "flame-executor-manager"]) {
      assertEquals((await h1.sh(`systemctl is-active ${unit}.service`)).stdout.trim(), "active", unit);
    }
    assertEquals((await h1.sh("[ -x /usr/local/flame/bin/flmctl ] && echo kept")).stdout.trim(), "kept");
  });

  await t.step(
    "a second installation's units are refused, naming the first; the first keeps them",
    async () => {
      expectExit(await run("install", ["-l", "host2", "--prefix", "/opt/flame1"]), 0);
      const second = await run("install", ["-l", "host2", "--prefix", "/opt/flame2"]);
      expectExit(second, 3);
      assertEquals(second.report!.hosts[0].category, "install");
      match(
        second.report!.hosts[0].error!,
        /\/etc\/systemd\/system\/flame-session-manager\.service belongs to another installation: it runs \/opt\/flame1\/bin\/flame-session-manager .*, not \/opt\/flame2/,
      );
      assertEquals((await h2.sh("[ -e /opt/flame2 ] || echo untouched")).stdout.trim(), "untouched");
      // Side by side without systemd, and removing that one leaves the first's units alone.
      expectExit(await run("install", ["-l", "host2", "--prefix", "/opt/flame2", "--no-systemd"]), 0);
      expectExit(await run("uninstall", ["-l", "host2", "--prefix", "/opt/flame2", "--force"]), 0);
      const units = await h2.sh("grep -h ^ExecStart= /etc/systemd/system/flame-*.service");
      assertEquals(units.stdout.trim().split("\n").length, 3);
      ok(
        units.stdout.split("\n").filter(Boolean).every((line) => line.includes("/opt/flame1/")),
        units.stdout,
      );
    },
  );

  await t.step(
    "a service that will not stop fails the host with exit 3; --resume retries it alone",
    async () => {
      expectExit(await run("install", ["-l", "host3", "--enable"]), 0);
      // This host's systemctl says it stopped the executor manager, which then is still active.
      await h3.sh(
        "mv /usr/local/bin/systemctl /usr/local/bin/systemctl.real && cat > /usr/local/bin/systemctl <<'EOF'\n" +
          '#!/bin/sh\ncase "$*" in\n' +
          "  'stop flame-executor-manager.service') exit 0 ;;\n" +
          "  'is-active --quiet flame-executor-manager.service') exit 0 ;;\n" +
          'esac\nexec /usr/local/bin/systemctl.real "$@"\nEOF\nchmod 755 /usr/local/bin/systemctl',
      );
      const result = await run("uninstall", ["-l", "host2,host3", "--prefix", "/usr/local/flame", "--force"]);
      expectExit(result, 3);
      const host3 = result.report!.hosts.find((h) => h.name === "host3")!;
      assertEquals([host3.status, host3.exitCode, host3.category], ["failed", 3, "service"]);
      match(host3.error!, /flame-executor-manager did not stop within 30s; going on/);
      await h3.sh("mv /usr/local/bin/systemctl.real /usr/local/bin/systemctl");
      await h3.sh("systemctl stop flame-executor-manager.service");
      const resumed = await muster(["--resume"], { home: fleet.home });
      expectExit(resumed, 0);
      assertEquals(resumed.report!.hosts.map((h) => h.name), ["host3"]);
    },
  );

  await t.step(
    "a service that starts but never listens fails the host after the ready timeout, with its log",
    async () => {
      // An app of the test's own: a service that sleeps instead of listening.
      const app = `${fleet.dir}/sleeper`;
      await Deno.mkdir(`${app}/templates`, { recursive: true });
      await Deno.writeTextFile(
        `${app}/app.yaml`,
        [
          "name: sleeper",
          "title: Sleeper",
          "description: A service that never listens",
          "vars_prefix: sleeper_",
          "vars:",
          "  prefix: { type: path, doc: Where }",
          "  profiles: { type: list, doc: What, choices: [main], default: [main] }",
          "  systemd: { type: bool, doc: Units }",
          "  enable: { type: bool, doc: Start }",
          "prefix: { default: /opt/sleeper, must_contain: sleeper }",
          "user: { name: sleeper, home: /var/lib/sleeper }",
          "source: {}",
          "build: {}",
          "artifacts: {}",
          "profiles: { var: profiles, of: { main: { services: [sleeper] } } }",
          'layout: [{ path: "" }]',
          "services:",
          "  - name: sleeper",
          "    description: Sleeps",
          "    exec: /bin/sh -c 'echo about to sleep instead of listening; exec sleep 600'",
          '    ready: { tcp: "{{ ansible_host }}:8999", timeout: 2 }',
          "uninstall: { remove: [], markers: [] }",
          "",
        ].join("\n"),
      );
      const result = await muster([
        "install",
        "--app",
        app,
        "-i",
        inventory,
        "-l",
        "host2",
        "--src-dir",
        app,
        "--enable",
      ], {
        home: fleet.home,
      });
      expectExit(result, 5);
      assertEquals(result.report!.hosts[0].category, "service");
      const error = result.report!.hosts[0].error!;
      match(
        error,
        new RegExp(
          `sleeper did not accept connections on ${h2.address.replaceAll(".", "\\.")}:8999 within 2s`,
        ),
      );
      match(error, /about to sleep instead of listening/);
    },
  );

  await t.step("--serial 34% with --max-fail-percent 0 starts no batch after the first failure", async () => {
    await h1.sh("rm -rf /opt/blocked && mkdir -p /opt && touch /opt/blocked");
    const result = await run("install", [
      "--prefix",
      "/opt/blocked",
      "--serial",
      "34%",
      "--max-fail-percent",
      "0",
    ]);
    expectExit(result, 3);
    assertEquals(result.report!.hosts.map((h) => [h.name, h.status]), [
      ["host1", "failed"],
      ["host2", "skipped"],
      ["host3", "skipped"],
    ]);
    assertEquals((await h2.sh("[ -e /opt/blocked ] || echo untouched")).stdout.trim(), "untouched");
  });
});
