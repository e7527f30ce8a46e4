import { deepStrictEqual as assertEquals, match as assertMatch, ok as assert } from "node:assert/strict";
import { parse } from "yaml";
import { type Fleet, type FleetHost, startFleet } from "./fleet.ts";

/** Runs the system ssh client as deploy against `host`, checking its key strictly against the fleet's known_hosts. */
async function ssh(
  fleet: Fleet,
  host: FleetHost,
  command: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command("ssh", {
    args: [
      ...["-F", "/dev/null", "-i", fleet.keyFile, "-o", "BatchMode=yes", "-o", "ConnectTimeout=10"],
      ...["-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${fleet.knownHostsFile}`],
      ...["-o", "GlobalKnownHostsFile=/dev/null", `deploy@${host.address}`, command],
    ],
    env: { HOME: fleet.home },
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return { code: output.code, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** PID namespace of every process on the machine, by pid. */
async function pidNamespaces(): Promise<Map<number, string>> {
  const namespaces = new Map<number, string>();
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const ns = await Deno.readLink(`/proc/${entry.name}/ns/pid`).catch(() => undefined);
    if (ns !== undefined) namespaces.set(Number(entry.name), ns);
  }
  return namespaces;
}

/** Asserts that nothing listens on `address`:22. */
async function refused(address: string): Promise<void> {
  await Deno.connect({ hostname: address, port: 22 }).then(
    (conn) => {
      conn.close();
      throw new Error(`something still listens on ${address}:22`);
    },
    (error) => assert(error instanceof Deno.errors.ConnectionRefused, String(error)),
  );
}

Deno.test("startFleet() gives each host its own hostname, address and process tree", async () => {
  await using fleet = await startFleet({ count: 3 });
  assertEquals(fleet.hosts.map((host) => [host.name, host.address]), [
    ["host1", "127.0.0.11"],
    ["host2", "127.0.0.12"],
    ["host3", "127.0.0.13"],
  ]);
  const controllerNs = await Deno.readLink("/proc/self/ns/pid");
  const hostNs = new Set<string>();
  for (const host of fleet.hosts) {
    const result = await host.sh(
      "hostname; cat /etc/hostname; echo $$ >/dev/null; cat /proc/1/cmdline | tr '\\0' ' '",
    );
    assertEquals(result.code, 0, result.stderr);
    const [hostname, etcHostname, init] = result.stdout.split("\n");
    assertEquals([hostname, etcHostname], [host.name, host.name]);
    assertMatch(init, /host_reaper\.py/);
    const ns = await Deno.readLink(`/proc/${host.pid}/ns/pid`);
    assert(ns !== controllerNs, "a host shares the controller's PID namespace");
    hostNs.add(ns);
    const conn = await Deno.connect({ hostname: host.address, port: 22 });
    conn.close();
  }
  assertEquals(hostNs.size, 3);
});

Deno.test("startFleet() accepts names and a first address", async () => {
  await using fleet = await startFleet({ count: 2, names: ["web", "db"], firstOctet: 61 });
  assertEquals(fleet.hosts.map((host) => [host.name, host.address]), [["web", "127.0.0.61"], [
    "db",
    "127.0.0.62",
  ]]);
  assertEquals((await fleet.hosts[1].sh("hostname; getent hosts web")).stdout, "db\n127.0.0.61      web\n");
});

Deno.test("startFleet() gives each host its own /etc, users, systemd units and /tmp", async () => {
  await using fleet = await startFleet({ count: 3 });
  const [host1, host2] = fleet.hosts;
  const marker = `muster-fleet-marker-${crypto.randomUUID()}`;
  const setup = await host1.sh(`
    set -e
    echo on-host1 >/etc/${marker}
    echo '[Service]' >/etc/systemd/system/${marker}.service
    echo in-tmp >/tmp/${marker}
    useradd --no-create-home alice`);
  assertEquals(setup.code, 0, setup.stderr);

  assertEquals(await Deno.readTextFile(`${host1.root}/etc/${marker}`), "on-host1\n");
  assertEquals((await host1.sh("id -un alice")).stdout, "alice\n");
  for (const path of [`/etc/${marker}`, `/etc/systemd/system/${marker}.service`, `/tmp/${marker}`]) {
    assertEquals((await host2.exec(["test", "-e", path])).code, 1, `${path} leaked into host2`);
    assertEquals(await exists(path), false, `${path} leaked onto the real machine`);
  }
  assertEquals((await host2.sh("id alice")).code, 1);
  assertEquals((await Deno.readTextFile("/etc/passwd")).includes("\nalice:"), false);
  // The host's private /tmp hides the controller's /tmp only inside the host.
  assert(await exists(fleet.keyFile));
  assertEquals((await host1.exec(["test", "-e", fleet.keyFile])).code, 1);
});

Deno.test("startFleet() says why a host cannot start and leaves no other host running", async () => {
  using _squatter = Deno.listen({ hostname: "127.0.0.82", port: 22 });
  await startFleet({ count: 2, firstOctet: 81 }).then(
    () => {
      throw new Error("a fleet started although 127.0.0.82:22 is taken");
    },
    (error) => assertMatch(String(error), /host2 \(127\.0\.0\.82\).*Address already in use/s),
  );
  await refused("127.0.0.81");
  // Its addresses are free again.
  await using fleet = await startFleet({ count: 1, firstOctet: 81 });
  assertEquals((await fleet.hosts[0].sh("hostname")).stdout, "host1\n");
});

Deno.test("startFleet() refuses addresses of a running fleet of the same process", async () => {
  await using _fleet = await startFleet({ count: 2 });
  await startFleet({ count: 2, firstOctet: 12 }).then(
    () => {
      throw new Error("two fleets share 127.0.0.12");
    },
    (error) => assertMatch(String(error), /127\.0\.0\.12 belong to a running fleet of this process/),
  );
});

Deno.test("startFleet() waits for a fleet of another process on the same addresses", async () => {
  const other = await fleetInChild({ count: 2, firstOctet: 91 }, 1000);
  const start = Date.now();
  await using fleet = await startFleet({ count: 1, firstOctet: 92 });
  assert(Date.now() - start >= 500, `started after ${Date.now() - start} ms, while the other fleet ran`);
  assertEquals((await other.child.status).code, 0);
  assertEquals(await exists(other.dir), false);
  assertEquals((await ssh(fleet, fleet.hosts[0], "hostname")).stdout, "host1\n");
});

Deno.test("FleetHost.exec() passes standard input, environment and exit code", async () => {
  await using fleet = await startFleet({ count: 1 });
  const result = await fleet.hosts[0].exec(["sh", "-c", 'cat; echo "$GREETING $(id -u) $PWD"; exit 7'], {
    stdin: "from stdin\n",
    env: { GREETING: "hello" },
  });
  assertEquals(result, { code: 7, stdout: "from stdin\nhello 0 /\n", stderr: "" });
});

Deno.test("deploy logs in with the fleet key and sudo needs no password on every host", async () => {
  await using fleet = await startFleet({ count: 3 });
  for (const host of fleet.hosts) {
    const result = await ssh(
      fleet,
      host,
      "hostname; id -un; sudo -n id -u; sudo -n systemctl --version; command -v systemctl; command -v python3; echo $SHELL",
    );
    assertEquals(result.code, 0, result.stderr);
    const lines = result.stdout.split("\n");
    assertEquals(lines.slice(0, 3), [host.name, "deploy", "0"]);
    assertMatch(result.stdout, /via systemctl\.py/);
    assertMatch(result.stdout, /\n\/usr\/local\/bin\/systemctl\n\/usr\/bin\/python3\n\/bin\/sh\n$/);
  }
});

Deno.test("systemctl in a host runs an enabled unit as its User= and stops it", async () => {
  await using fleet = await startFleet({ count: 2 });
  const [host1, host2] = fleet.hosts;
  const result = await host1.sh(`
    printf '[Service]\\nUser=deploy\\nExecStart=/bin/sleep 1000\\n[Install]\\nWantedBy=multi-user.target\\n' \\
      >/etc/systemd/system/fleet-sleeper.service
    systemctl daemon-reload 2>/dev/null
    systemctl enable fleet-sleeper 2>/dev/null
    systemctl start fleet-sleeper 2>/dev/null
    systemctl is-active fleet-sleeper
    ps -o user= -C sleep
    systemctl stop fleet-sleeper 2>/dev/null
    systemctl is-active fleet-sleeper
    ps -o user= -C sleep || echo none`);
  assertEquals(result.stdout, "active\ndeploy\ninactive\nnone\n", result.stderr);
  assertEquals((await host2.sh("ps -o user= -C sleep || echo none")).stdout, "none\n");
});

Deno.test("stopSshd() refuses new connections and startSshd() restores them", async () => {
  await using fleet = await startFleet({ count: 2 });
  const [host1, host2] = fleet.hosts;
  await host1.stopSshd();
  const refused = await ssh(fleet, host1, "true");
  assertEquals(refused.code, 255);
  assertMatch(refused.stderr, /Connection refused/);
  assertEquals((await ssh(fleet, host2, "hostname")).stdout, "host2\n");
  await host1.stopSshd(); // stopping a stopped sshd is fine
  await host1.startSshd();
  assertEquals((await ssh(fleet, host1, "sudo -n id -u")).stdout, "0\n");
});

Deno.test("rotateHostKey() makes a strict known_hosts check fail", async () => {
  await using fleet = await startFleet({ count: 2 });
  const [host1, host2] = fleet.hosts;
  await host1.rotateHostKey();
  const result = await ssh(fleet, host1, "true");
  assertEquals(result.code, 255);
  assertMatch(result.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED/);
  assertEquals((await ssh(fleet, host2, "hostname")).stdout, "host2\n");
});

Deno.test("writeInventory() lists every host with the deploy connection, groups and vars", async () => {
  await using fleet = await startFleet({ count: 2 });
  const path = await fleet.writeInventory({
    groups: { web: ["host1"], db: ["host1", "host2"] },
    vars: { flame_port: 8080 },
    hostVars: { host2: { role: "primary" } },
  });
  const connection = {
    ansible_user: "deploy",
    ansible_ssh_private_key_file: fleet.keyFile,
    ansible_become: true,
  };
  assertEquals(parse(await Deno.readTextFile(path)), {
    all: {
      vars: { flame_port: 8080 },
      hosts: {
        host1: { ansible_host: "127.0.0.11", ...connection },
        host2: { ansible_host: "127.0.0.12", ...connection, role: "primary" },
      },
      children: { web: { hosts: { host1: null } }, db: { hosts: { host1: null, host2: null } } },
    },
  });
  assert(path.startsWith(`${fleet.dir}/`));
  assert(path !== await fleet.writeInventory(), "each inventory gets its own file");
});

Deno.test("stop() leaves no mount, process or temp dir behind", async () => {
  const fleet = await startFleet({ count: 3 });
  let namespaces: Set<string>;
  try {
    await fleet.hosts[0].sh("mkdir -p /mnt/x && mount -t tmpfs x /mnt/x && (sleep 1000 >/dev/null 2>&1 &)");
    namespaces = new Set(
      await Promise.all(fleet.hosts.map((host) => Deno.readLink(`/proc/${host.pid}/ns/pid`))),
    );
    const inHosts = [...(await pidNamespaces()).values()].filter((ns) => namespaces.has(ns));
    assert(inHosts.length >= 6, `expected each host's init and sshd, found ${inHosts.length} processes`);
  } finally {
    await fleet.stop();
  }
  await fleet.stop(); // idempotent

  for (const host of fleet.hosts) {
    assertEquals(await exists(`/proc/${host.pid}`), false, `${host.name}'s init lives`);
  }
  const left = [...(await pidNamespaces()).entries()].filter(([, ns]) => namespaces.has(ns));
  assertEquals(left, [], "processes left in the hosts' PID namespaces");
  const mounts = await Deno.readTextFile("/proc/mounts");
  assertEquals(mounts.includes(fleet.dir), false, "a fleet mount is visible on the controller");
  assertEquals(await exists(fleet.dir), false, "the fleet's temp dir is left");
  await refused("127.0.0.11");
});

/**
 * Starts a fleet in another Deno process and resolves once it runs. That process stops the
 * fleet and exits after `holdMs`, or holds it until killed.
 */
async function fleetInChild(
  options: { count: number; firstOctet: number },
  holdMs?: number,
): Promise<{ child: Deno.ChildProcess; dir: string; pids: number[] }> {
  const script = `
    import { startFleet } from ${JSON.stringify(new URL("./fleet.ts", import.meta.url).href)};
    const fleet = await startFleet(${JSON.stringify(options)});
    console.log(JSON.stringify({ dir: fleet.dir, pids: fleet.hosts.map((host) => host.pid) }));
    const holdMs = ${holdMs ?? "undefined"};
    if (holdMs === undefined) await new Promise(() => {});
    await new Promise((resolve) => setTimeout(resolve, holdMs));
    await fleet.stop();`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--config", new URL("../../deno.json", import.meta.url).pathname, script],
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  while (!output.includes("\n")) {
    const { value, done } = await lines.read();
    if (done) break;
    output += value;
  }
  lines.releaseLock();
  child.stdout.cancel().catch(() => {});
  if (!output.includes("\n")) throw new Error(`The fleet process exited: ${(await child.status).code}`);
  return { child, ...JSON.parse(output) };
}

Deno.test("hosts die with a controller that is killed without stop()", async () => {
  const { child, dir, pids } = await fleetInChild({ count: 2, firstOctet: 71 });
  child.kill("SIGKILL");
  await child.status;
  try {
    for (
      let i = 0;
      i < 100 && (await Promise.all(pids.map((pid) => exists(`/proc/${pid}`)))).some(Boolean);
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const pid of pids) {
      assertEquals(await exists(`/proc/${pid}`), false, `host init ${pid} outlived its controller`);
    }
    // The dead controller's address locks are gone with it.
    await using fleet = await startFleet({ count: 2, firstOctet: 71 });
    assertEquals(fleet.hosts.length, 2);
  } finally {
    for (const pid of pids) {
      // Only a process that is still a fleet host's init: never a reused pid.
      const cmdline = await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "");
      if (cmdline.includes("host_reaper.py")) Deno.kill(pid, "SIGKILL");
    }
    await Deno.remove(dir, { recursive: true });
  }
});
