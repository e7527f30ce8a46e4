/**
 * The real local test fleet (SPEC section 6): isolated hosts on this machine, each in its own
 * mount, PID and UTS namespaces, chrooted into an overlay over `/`, with sshd on its own
 * loopback address (`127.0.0.11:22`, `127.0.0.12:22`, ...) and a `deploy` user with key
 * login and passwordless sudo. Needs root (and `unshare`, `nsenter`, `sshd`, `sudo`) and the
 * daemonless systemctl that `scripts/setup.sh` extracts into `.tools/`.
 *
 * Checked by hand and in `fleet_test.ts`:
 * - `ssh -i KEY -o UserKnownHostsFile=FILE deploy@127.0.0.11 'sudo -n id -u'` prints 0, and
 *   `sudo -n systemctl --version` as deploy prints "via systemctl.py" (the replacement);
 * - after `stopSshd()`, ssh fails with "Connection refused"; `startSshd()` restores it;
 * - after `rotateHostKey()`, ssh with `StrictHostKeyChecking=yes` against `knownHostsFile`
 *   fails with "REMOTE HOST IDENTIFICATION HAS CHANGED".
 *
 * Inside a host: `/etc`, `/usr/local`, `/var/lib`, `/home`, `/etc/systemd/system` are the
 * host's own (overlay upper dir); `/tmp`, `/run` and `/dev/shm` are private tmpfs; `/proc`
 * shows only the host's processes; `/sys` is the real one, read-only; `/dev` is the real one.
 * All hosts share the controller's network namespace.
 *
 * Running things against the fleet:
 * - SSH clients: OpenSSH reads `~/.ssh` from the passwd entry, not `$HOME`, so pass
 *   `-o UserKnownHostsFile=${knownHostsFile}` (and `-F /dev/null` to skip root's config);
 *   `home` is for tools that do honour `$HOME` (its `.ssh/known_hosts` is `knownHostsFile`).
 * - deploy's PATH over ssh is sshd's `/usr/local/bin:/usr/bin:/bin:/usr/games`; under sudo it
 *   is sudoers' secure_path. `python3` there is Debian's `/usr/bin/python3` (3.11, PEP 668
 *   marker), never root's pyenv; `exec()` runs with `PATH=${HOST_PATH}` and `HOME=/root`.
 * - `exec()` returns when the command's stdout and stderr close: a background process started
 *   with it must redirect them (`cmd >/dev/null 2>&1 &`), or `exec()` waits for it.
 * - The daemonless systemctl prints "unknown" for `is-active` of a running unit that is not
 *   enabled; enable units (as RFE333 does) before asking.
 * - Two fleets cannot share an address: `startFleet()` waits for a fleet of another process on
 *   the same addresses and fails for one of this process (pass `firstOctet` to run both).
 *
 * @example
 * ```ts ignore
 * await using fleet = await startFleet({ count: 3 });
 * const inventory = await fleet.writeInventory({ groups: { web: ["host1", "host2"] } });
 * const { stdout } = await fleet.hosts[0].sh("cat /etc/hostname"); // "host1\n"
 * ```
 */
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { type AddressLock, lockAddresses } from "./address_lock.ts";
import { track, untrack } from "./cleanup.ts";
import { type FleetHost, HOST_PATH, type RunningHost, startHost } from "./host.ts";
import { fleetInventory, type InventorySpec } from "./inventory.ts";

export type { ExecOptions, ExecResult, FleetHost } from "./host.ts";
export type { InventorySpec } from "./inventory.ts";

/** A running local test fleet; `await using` stops it even when a test fails. */
export interface Fleet extends AsyncDisposable {
  hosts: FleetHost[];
  /** Private key of the `deploy` user, for inventories (`ansible_ssh_private_key_file`). */
  keyFile: string;
  /** known_hosts with every host's key as it was at start (`<address> ssh-ed25519 ...`): `${home}/.ssh/known_hosts`. */
  knownHostsFile: string;
  /** A HOME for SSH clients run against the fleet: holds only `.ssh/known_hosts`. */
  home: string;
  /** The fleet's temp dir (key, known_hosts, inventories, each host's overlay upper dir). */
  dir: string;
  /** Writes a YAML inventory of the fleet (see `fleetInventory()`) and returns its path. */
  writeInventory(spec?: InventorySpec): Promise<string>;
  /** Stops every host and removes the temp dir; idempotent. */
  stop(): Promise<void>;
}

/** Options of `startFleet()`. */
export interface StartFleetOptions {
  /** Number of hosts. */
  count: number;
  /** Host names, one per host (letters, digits, `-`). @default "host1", "host2", ... */
  names?: string[];
  /** Last octet of the first host's address; the host at index K gets `127.0.0.(firstOctet + K)`. @default 11 */
  firstOctet?: number;
}

const SCRIPTS = ["host_init.sh", "host_provision.sh", "host_sshd.sh", "host_reaper.py"];
/** How long `startFleet()` waits for fleets of other processes to free its addresses. */
const LOCK_TIMEOUT_MS = 180_000;
const SYSTEMCTL = fileURLToPath(new URL("../../.tools/systemctl/usr/bin/systemctl", import.meta.url));

/**
 * Starts a fleet of `count` hosts concurrently; resolves once every host's sshd listens.
 * If any host fails to start, the others are stopped and the error is thrown. Waits while a
 * fleet of another process uses any of the addresses (see `address_lock.ts`).
 *
 * @example
 * ```ts ignore
 * await using fleet = await startFleet({ count: 2, names: ["web", "db"], firstOctet: 21 });
 * fleet.hosts.map((host) => host.address); // ["127.0.0.21", "127.0.0.22"]
 * ```
 */
export async function startFleet(options: StartFleetOptions): Promise<Fleet> {
  const specs = hostSpecs(options);
  await Deno.stat(SYSTEMCTL).catch(() => {
    throw new Error(
      `Cannot start fleet: the daemonless systemctl is missing at ${SYSTEMCTL}: run scripts/setup.sh`,
    );
  });
  const lock = await lockAddresses(specs.map((spec) => spec.address), LOCK_TIMEOUT_MS);
  const dir = await Deno.makeTempDir({ prefix: "muster-fleet-" }).catch((error) => {
    lock.release();
    throw error;
  });
  const fleet = new LocalFleet(dir, lock);
  track(fleet);
  try {
    await fleet.start(specs);
  } catch (error) {
    await fleet.stop();
    throw error;
  }
  return fleet;
}

function hostSpecs(options: StartFleetOptions): { name: string; address: string }[] {
  const { count, firstOctet = 11 } = options;
  const names = options.names ?? Array.from({ length: count }, (_, i) => `host${i + 1}`);
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`Cannot start fleet: count must be at least 1, got ${count}`);
  }
  if (!Number.isInteger(firstOctet) || firstOctet < 2 || firstOctet + count - 1 > 254) {
    throw new Error(
      `Cannot start fleet: addresses 127.0.0.${firstOctet}.. for ${count} hosts leave 127.0.0.2-254`,
    );
  }
  if (names.length !== count) throw new Error(`Cannot start fleet: ${names.length} names for ${count} hosts`);
  const bad = names.find((name) => !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(name));
  if (bad !== undefined) throw new Error(`Cannot start fleet: '${bad}' is not a valid host name`);
  if (new Set(names).size !== names.length) {
    throw new Error(`Cannot start fleet: host names repeat: ${names.join(", ")}`);
  }
  return names.map((name, i) => ({ name, address: `127.0.0.${firstOctet + i}` }));
}

class LocalFleet implements Fleet {
  hosts: RunningHost[] = [];
  readonly dir: string;
  readonly keyFile: string;
  readonly home: string;
  readonly knownHostsFile: string;
  readonly #lock: AddressLock;
  #inventories = 0;
  #stopping?: Promise<void>;

  constructor(dir: string, lock: AddressLock) {
    this.dir = dir;
    this.#lock = lock;
    this.keyFile = `${dir}/ssh/deploy_ed25519`;
    this.home = `${dir}/home`;
    this.knownHostsFile = `${dir}/home/.ssh/known_hosts`;
  }

  async start(specs: { name: string; address: string }[]): Promise<void> {
    const setupDir = `${this.dir}/setup`;
    await Promise.all(
      [`${this.dir}/ssh`, setupDir, `${this.home}/.ssh`].map((path) =>
        Deno.mkdir(path, { recursive: true, mode: 0o700 })
      ),
    );
    await Promise.all([
      ...SCRIPTS.map((script) =>
        Deno.copyFile(fileURLToPath(new URL(script, import.meta.url)), `${setupDir}/${script}`)
      ),
      Deno.copyFile(SYSTEMCTL, `${setupDir}/systemctl`),
      Deno.writeTextFile(`${setupDir}/hosts`, etcHosts(specs)),
      run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "deploy@muster-fleet", "-f", this.keyFile]),
    ]);
    await Deno.copyFile(`${this.keyFile}.pub`, `${setupDir}/deploy_ed25519.pub`);

    const started = await Promise.allSettled(
      specs.map((spec) => startHost({ ...spec, dir: `${this.dir}/hosts/${spec.name}`, setupDir })),
    );
    this.hosts = started.flatMap((result) => result.status === "fulfilled" ? [result.value] : []);
    const failed = started.flatMap((result) => result.status === "rejected" ? [result.reason] : []);
    if (failed.length > 0) {
      throw failed.length === 1 ? failed[0] : new AggregateError(failed, failed[0].message);
    }

    const keys = await Promise.all(
      this.hosts.map((host) => Deno.readTextFile(`${host.root}/etc/ssh/ssh_host_ed25519_key.pub`)),
    );
    const knownHosts = this.hosts.map((host, i) =>
      `${host.address} ${keys[i].trim().split(" ").slice(0, 2).join(" ")}\n`
    );
    await Deno.writeTextFile(this.knownHostsFile, knownHosts.join(""), { mode: 0o600 });
  }

  async writeInventory(spec: InventorySpec = {}): Promise<string> {
    const inventory = fleetInventory(this.hosts, this.keyFile, spec);
    const path = `${this.dir}/inventory-${++this.#inventories}.yml`;
    await Deno.writeTextFile(path, stringify(inventory, { nullStr: "" }));
    return path;
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await Promise.all(this.hosts.map((host) => host.stop()));
      this.#lock.release();
      await Deno.remove(this.dir, { recursive: true }).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      });
      untrack(this);
    })();
    return this.#stopping;
  }

  stopNow(): void {
    for (const host of this.hosts) host.killNow();
    try {
      Deno.removeSync(this.dir, { recursive: true });
    } catch {
      // Best effort while the process exits.
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/** The hosts' /etc/hosts: localhost and every fleet host by name. */
function etcHosts(specs: { name: string; address: string }[]): string {
  const lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"];
  return [...lines, ...specs.map((spec) => `${spec.address}\t${spec.name}`)].join("\n") + "\n";
}

async function run(command: string, args: string[]): Promise<void> {
  const output = await new Deno.Command(command, { args, env: { PATH: HOST_PATH }, stdin: "null" }).output();
  if (!output.success) {
    throw new Error(
      `Cannot start fleet: ${command} failed: ${new TextDecoder().decode(output.stderr).trim()}`,
    );
  }
}
