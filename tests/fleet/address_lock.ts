/**
 * Loopback addresses are shared by every process on the machine, so two fleets on the same
 * address cannot run at once. A fleet holds a lock file per address (`flock`, released by the
 * kernel even if the process dies): a fleet in another process (another `deno test` run) makes
 * `startFleet()` wait; a fleet of this process on the same address is an error, since waiting
 * for it would never end.
 */
import { within } from "./within.ts";

/** Where the per-address lock files live. */
export const LOCK_DIR = "/tmp/muster-fleet.locks";

/** Addresses held by fleets of this process (of this worker, under `deno test --parallel`). */
const held = new Set<string>();

/** The locks of one fleet's addresses. */
export interface AddressLock {
  /** Releases every address; idempotent. */
  release(): void;
}

/**
 * Locks `addresses`, waiting up to `timeoutMs` for fleets of other processes to stop.
 *
 * @example
 * ```ts ignore
 * const lock = await lockAddresses(["127.0.0.11", "127.0.0.12"], 120_000);
 * try {
 *   // start sshd on 127.0.0.11:22 and 127.0.0.12:22
 * } finally {
 *   lock.release();
 * }
 * ```
 */
export async function lockAddresses(addresses: string[], timeoutMs: number): Promise<AddressLock> {
  const taken = addresses.filter((address) => held.has(address));
  if (taken.length > 0) {
    throw new Error(
      `Cannot start fleet: ${
        taken.join(", ")
      } belong to a running fleet of this process: stop it or pass another firstOctet`,
    );
  }
  for (const address of addresses) held.add(address);
  const files: Deno.FsFile[] = [];
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    for (const file of files) file.close();
    for (const address of addresses) held.delete(address);
  };

  const deadline = Date.now() + timeoutMs;
  try {
    await Deno.mkdir(LOCK_DIR, { recursive: true });
    // One order for everyone (addresses sort by last octet), so two waiting fleets never deadlock.
    for (const address of [...addresses].sort(byLastOctet)) {
      const file = await Deno.open(`${LOCK_DIR}/${address}`, { create: true, write: true });
      const locked = file.lock(true);
      if (await within(locked, deadline - Date.now()) === "timeout") {
        locked.then(() => file.close(), () => file.close());
        throw new Error(
          `Cannot start fleet: ${address} stayed in use by a fleet of another process for ${timeoutMs} ms`,
        );
      }
      files.push(file);
    }
  } catch (error) {
    release();
    throw error;
  }
  return { release };
}

function byLastOctet(a: string, b: string): number {
  return Number(a.split(".")[3]) - Number(b.split(".")[3]);
}
