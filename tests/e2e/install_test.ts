/**
 * `muster install` end to end on the real local test fleet: SSH, sudo, cargo, pip and the
 * daemonless systemctl, with RFE333's failure paths and their exit codes.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import { startFleet } from "../fleet/fleet.ts";
import { expectExit, fixtureCopy, muster } from "./muster.ts";

const MODES: Record<string, string> = {
  "": "755",
  bin: "755",
  sbin: "755",
  sdk: "755",
  "sdk/python": "755",
  work: "755",
  "work/sessions": "755",
  "work/executors": "755",
  logs: "755",
  conf: "755",
  data: "700",
  "data/cache": "755",
  "data/packages": "755",
};

/** Leftovers a failed run must never leave: temp files of atomic writes, staging dirs. */
async function halfWritten(
  host: { sh(s: string): Promise<{ stdout: string }> },
  dirs: string[],
): Promise<string> {
  const found = await host.sh(
    `find ${dirs.join(" ")} /tmp /var/tmp -name '*.muster-tmp' -o -name 'muster-stage-*' 2>/dev/null; true`,
  );
  return found.stdout.trim();
}

Deno.test("install end to end on a test fleet", async (t) => {
  await using fixture = await fixtureCopy();
  await using fleet = await startFleet({ count: 3, firstOctet: 21 });
  const [h1, h2, h3] = fleet.hosts;
  const endpoints = (address: string) => ({
    flame_endpoint: `http://${address}:8080`,
    flame_cache_endpoint: `grpc://${address}:9090`,
  });
  const inventory = await fleet.writeInventory({
    hostVars: {
      host1: endpoints(h1.address),
      host2: { ...endpoints(h2.address), ansible_become: false },
      host3: endpoints(h3.address),
    },
  });
  const run = (args: string[]) =>
    muster(["install", "-i", inventory, "--src-dir", fixture.dir, ...args], { home: fleet.home });

  await t.step(
    "a system-wide install with --enable leaves the layout, config, units and a running service",
    async () => {
      const result = await run(["-l", "host1", "--prefix", "/tmp/x/flame", "--enable"]);
      expectExit(result, 0);
      assertEquals(result.report!.summary.changed, 1);
      // Every change was made: nothing is left over as a warning.
      assertEquals(result.report!.hosts[0].steps.flatMap((step) => step.warnings ?? []), []);
      const stat = await h1.sh(
        `cd /tmp/x/flame && for d in ${Object.keys(MODES).map((d) => `'${d || "."}'`).join(" ")}; do ` +
          `stat -c '%n %a %U:%G' "$d"; done`,
      );
      for (const [dir, mode] of Object.entries(MODES)) {
        ok(stat.stdout.includes(`${dir || "."} ${mode} flame:flame\n`), `${dir}: ${stat.stdout}`);
      }
      const bins = await h1.sh("stat -c '%n %a %U' /tmp/x/flame/bin/* | sed 's|.*/||'");
      for (
        const bin of [
          "flame-session-manager",
          "flame-executor-manager",
          "flame-object-cache",
          "flmctl",
          "flmadm",
          "flmping",
          "flmexec",
          "flmping-service",
          "flmexec-service",
        ]
      ) ok(bins.stdout.includes(`${bin} 755 flame`), bins.stdout);
      const config = await h1.sh("cat /tmp/x/flame/conf/flame-cluster.yaml");
      match(config.stdout, new RegExp(`endpoint: "http://${h1.address.replaceAll(".", "\\.")}:8080"`));
      match(config.stdout, /storage: "fs:\/\/\/tmp\/x\/flame\/data"/);
      assertEquals(/\bslot:|\bpolicy:|^executors:/m.test(config.stdout), false);
      const units = await h1.sh(
        "ls /etc/systemd/system/ | grep flame; grep ExecStart /etc/systemd/system/flame-*.service",
      );
      match(units.stdout, /flame-session-manager\.service/);
      match(
        units.stdout,
        /ExecStart=\/tmp\/x\/flame\/bin\/flame-executor-manager --config \/tmp\/x\/flame\/conf\/flame-cluster\.yaml/,
      );
      const active = await h1.sh(
        "systemctl is-active flame-session-manager.service flame-object-cache.service flame-executor-manager.service",
      );
      assertEquals(active.stdout.trim().split("\n"), ["active", "active", "active"]);
      const owner = await h1.sh("ps -o user= -C flame-session-manager");
      assertEquals(owner.stdout.trim(), "flame");
      const conn = await Deno.connect({ hostname: h1.address, port: 8080 });
      const buffer = new Uint8Array(64);
      const n = await conn.read(buffer);
      conn.close();
      match(new TextDecoder().decode(buffer.subarray(0, n ?? 0)), /flame-session-manager ok/);
      const sdk = await h1.sh(
        `runuser -u flame -- sh -c '. /tmp/x/flame/sbin/flmenv.sh && python3 -c "import flamepy; print(flamepy.__version__)"'`,
      );
      assertEquals(sdk.stdout.trim(), "0.1.0", sdk.stderr);
      assertEquals(
        (await h1.sh("getent passwd flame | cut -d: -f6,7")).stdout.trim(),
        "/var/lib/flame:/usr/sbin/nologin",
      );
    },
  );

  await t.step("a second identical run changes nothing and says so", async () => {
    const result = await run(["-l", "host1", "--prefix", "/tmp/x/flame", "--enable"]);
    expectExit(result, 0);
    assertEquals(result.report!.summary, {
      hosts: 1,
      ok: 1,
      changed: 0,
      failed: 0,
      unreachable: 0,
      skipped: 0,
    });
    ok(result.report!.hosts[0].steps.every((step) => step.status === "ok"));
    match(result.stdout, /host1 +ok=\d+ changed=0 failed=0/);
  });

  await t.step("as a normal user, --no-systemd --prefix ~/flame works without root", async () => {
    const result = await run(["-l", "host2", "--prefix", "/home/deploy/flame", "--no-systemd"]);
    expectExit(result, 0);
    const owner = await h2.sh(
      "stat -c '%U' /home/deploy/flame /home/deploy/flame/bin/flmctl /home/deploy/flame/data",
    );
    assertEquals(owner.stdout.trim().split("\n"), ["deploy", "deploy", "deploy"]);
    assertEquals((await h2.sh("getent passwd flame")).code, 2, "no flame user for a user-local install");
    const sdk = await h2.sh(
      `runuser -u deploy -- sh -c '. /home/deploy/flame/sbin/flmenv.sh && python3 -c "import flamepy"'`,
    );
    assertEquals(sdk.code, 0, sdk.stderr);
  });

  await t.step("systemd without root exits 3 with a hint and changes nothing", async () => {
    const result = await run(["-l", "host2", "--prefix", "/home/deploy/flame2"]);
    expectExit(result, 3);
    assertEquals(result.report!.hosts[0].category, "install");
    match(result.stdout, /Installing systemd units needs root/);
    match(result.stdout, /hint: .*sudo.*--no-systemd/);
    assertEquals((await h2.sh("test -e /home/deploy/flame2")).code, 1, "nothing was created");
  });

  await t.step(
    "a prefix that cannot be written exits 3 with the system's words and leaves no partial file",
    async () => {
      await h3.sh("mkdir -p /mnt/ro && mount -t tmpfs -o ro tmpfs /mnt/ro");
      const result = await run(["-l", "host3", "--prefix", "/mnt/ro/flame", "--no-systemd"]);
      expectExit(result, 3);
      match(result.stdout, /Read-only file system/);
      assertEquals(result.report!.hosts[0].steps.find((s) => s.step === "directories")!.status, "failed");
      assertEquals(result.report!.hosts[0].steps.find((s) => s.step === "directories")!.category, "install");
      assertEquals(result.report!.hosts[0].category, "install");
      match(result.stdout, /error \(install\): .*Read-only file system/);
      assertEquals((await h3.sh("ls -A /mnt/ro")).stdout, "");
      assertEquals(await halfWritten(h3, ["/mnt/ro"]), "");
      await h3.sh("umount /mnt/ro");
    },
  );

  // A systemctl that fails on request, to drive the systemd and start failure paths.
  await h3.sh(
    "mv /usr/local/bin/systemctl /usr/local/bin/systemctl.real && cat > /usr/local/bin/systemctl <<'EOF'\n" +
      "#!/bin/sh\n" +
      '[ "$1" = daemon-reload ] && [ -e /etc/fail-reload ] && { echo "Failed to reload daemon: simulated" >&2; exit 1; }\n' +
      '[ "$1" = start ] && [ -e /etc/fail-start ] && { echo "Job for $2 failed: simulated" >&2; exit 1; }\n' +
      'exec /usr/local/bin/systemctl.real "$@"\nEOF\nchmod 755 /usr/local/bin/systemctl',
  );

  await t.step("a failing daemon-reload exits 4 and leaves no half-written file", async () => {
    await h3.sh("touch /etc/fail-reload");
    const result = await run(["-l", "host3", "--prefix", "/tmp/y/flame", "--enable"]);
    expectExit(result, 4);
    match(result.stdout, /Failed to reload daemon: simulated/);
    const units = result.report!.hosts[0].steps.find((s) => s.step === "units")!;
    assertEquals(units.status, "failed");
    assertEquals([units.category, result.report!.hosts[0].category], ["service", "service"]);
    assertEquals(result.report!.hosts[0].steps.find((s) => s.step === "services")!.status, "skipped");
    assertEquals(await halfWritten(h3, ["/tmp/y", "/etc/systemd/system"]), "");
    await h3.sh("rm /etc/fail-reload");
  });

  await t.step("the converged host then installs cleanly and starts", async () => {
    expectExit(await run(["-l", "host3", "--prefix", "/tmp/y/flame", "--enable"]), 0);
    await h3.sh("echo precious > /tmp/y/flame/data/marker");
  });

  await t.step("--clean that fails to start restores the previous installation (exit 5)", async () => {
    await h3.sh("touch /etc/fail-start");
    const result = await run(["-l", "host3", "--prefix", "/tmp/y/flame", "--enable", "--clean"]);
    expectExit(result, 5);
    assertEquals(result.report!.hosts[0].category, "service");
    match(result.stdout, /simulated/);
    assertEquals((await h3.sh("cat /tmp/y/flame/data/marker")).stdout, "precious\n");
    assertEquals((await h3.sh("ls -d /tmp/y/flame.backup.* 2>/dev/null")).stdout, "", "backup moved back");
    assertEquals(await halfWritten(h3, ["/tmp/y", "/etc/systemd/system"]), "");
    await h3.sh("rm /etc/fail-start");
  });

  await t.step("--clean backs up conf/ and data/, then installs afresh", async () => {
    await h3.sh("echo 'edited: true' >> /tmp/y/flame/conf/flame-cluster.yaml");
    const result = await run(["-l", "host3", "--prefix", "/tmp/y/flame", "--enable", "--clean"]);
    expectExit(result, 0);
    const backup = result.report!.hosts[0].backupDir!;
    match(backup, /^\/tmp\/y\/flame\.backup\.\d{8}-\d{6}$/);
    assertEquals((await h3.sh(`ls ${backup}`)).stdout.trim().split("\n"), ["conf", "data"]);
    assertEquals((await h3.sh(`cat ${backup}/data/marker`)).stdout, "precious\n");
    match((await h3.sh(`cat ${backup}/conf/flame-cluster.yaml`)).stdout, /edited: true/);
    assertEquals((await h3.sh("test -e /tmp/y/flame/data/marker")).code, 1);
    assertEquals(/edited/.test((await h3.sh("cat /tmp/y/flame/conf/flame-cluster.yaml")).stdout), false);
    assertEquals((await h3.sh("systemctl is-active flame-session-manager.service")).stdout.trim(), "active");
  });

  await t.step("a session manager that never listens exits 5 with its status and log", async () => {
    // --repair rewrites the kept configuration to the endpoint asked for (a plain install keeps it).
    const result = await run([
      "-l",
      "host3",
      "--prefix",
      "/tmp/y/flame",
      "--enable",
      "--repair",
      "--ready-timeout",
      "2",
      "-e",
      `flame_endpoint=http://${h3.address}:1`,
    ]);
    expectExit(result, 5);
    assertEquals(result.report!.hosts[0].category, "service");
    // The fixture cannot bind port 1 as flame. Whether systemctl sees it exit or the wait
    // times out, the host's error names the unit, shows its status and the service's own words.
    const error = result.report!.hosts[0].error!;
    match(error, /flame-session-manager/);
    match(error, /Active: failed/);
    match(error, new RegExp(`cannot listen on ${h3.address.replaceAll(".", "\\.")}:1: Permission denied`));
  });
});

Deno.test("install: a source that does not compile exits 2 with the last lines and the log, touching no host", async () => {
  await using fixture = await fixtureCopy();
  await Deno.writeTextFile(`${fixture.dir}/flmctl/src/main.rs`, 'fn main() { let x: u32 = "no"; }\n');
  const prefix = `/tmp/muster-never-${crypto.randomUUID()}/flame`;
  const result = await muster(["install", "--src-dir", fixture.dir, "--prefix", prefix, "--no-systemd"]);
  expectExit(result, 2);
  assertEquals(result.report!.error!.category, "build");
  match(result.stderr, /mismatched types/);
  const log = /(\/\S+\.log)/.exec(result.stderr)?.[1];
  ok(log, result.stderr);
  match(await Deno.readTextFile(log), /error\[E0308\]/);
  match(result.stderr, /--verbose/);
  assertEquals(await Deno.stat(prefix).then(() => true, () => false), false);
});

Deno.test("install --skip-build without built binaries exits 1 naming the missing binary", async () => {
  await using fixture = await fixtureCopy();
  const prefix = `/tmp/muster-never-${crypto.randomUUID()}/flame`;
  const result = await muster([
    "install",
    "--src-dir",
    fixture.dir,
    "--prefix",
    prefix,
    "--no-systemd",
    "--skip-build",
  ]);
  expectExit(result, 1);
  assertEquals(result.report!.error!.category, "validation");
  match(result.stderr, /flame-session-manager/);
  match(result.stderr, /target\/release/);
  assertEquals(await Deno.stat(prefix).then(() => true, () => false), false);
});
