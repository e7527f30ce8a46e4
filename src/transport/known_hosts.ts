/**
 * OpenSSH `known_hosts` files: parsing (plain and hashed `|1|salt|hash` names, wildcard
 * and negated patterns, `@revoked` markers), checking a host key against them, and
 * recording new hosts. The parsing and checking are pure; `verifyHostKey` does the I/O.
 */

import { createHash, createHmac } from "node:crypto";
import { dirname } from "node:path";

/** One key line of a `known_hosts` file. */
export interface KnownHostsEntry {
  /** 1-based line number in the file. */
  line: number;
  /** `@revoked` or `@cert-authority`, if the line has a marker. */
  marker?: "revoked" | "cert-authority";
  /** The host field as written: comma-separated patterns, or one `|1|salt|hash`. */
  hosts: string;
  /** Key type as written, e.g. `ssh-ed25519`. */
  keyType: string;
  /** The public key blob (SSH wire format). */
  key: Uint8Array;
}

/** What a `known_hosts` file says about a host key. */
export type HostKeyStatus =
  /** The key is recorded for the host (on `line`). */
  | { status: "known"; line: number }
  /** The host has no key recorded. */
  | { status: "new" }
  /** The host has a different key recorded: of the same type on `line`, else of type `keyType` there. */
  | { status: "changed"; line: number; keyType: string }
  /** The key is marked `@revoked` on `line`. */
  | { status: "revoked"; line: number };

/**
 * The name OpenSSH looks a host up by: the address itself on port 22, else `[address]:port`.
 *
 * @example
 * ```ts
 * import { knownHostsName } from "./known_hosts.ts";
 * knownHostsName("127.0.0.2", 2222); // => [127.0.0.2]:2222
 * ```
 */
export function knownHostsName(address: string, port: number): string {
  const host = address.toLowerCase();
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Parses the text of a `known_hosts` file; comments, blank and malformed lines are skipped. */
export function parseKnownHosts(text: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split("\n").forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === "" || fields[0].startsWith("#")) return;
    let marker: KnownHostsEntry["marker"];
    if (fields[0].startsWith("@")) {
      const name = fields.shift();
      if (name === "@revoked") marker = "revoked";
      else if (name === "@cert-authority") marker = "cert-authority";
      else return;
    }
    const [hosts, keyType, base64] = fields;
    if (!hosts || !keyType || !base64) return;
    const key = _decodeBase64(base64);
    if (key) entries.push({ line: index + 1, marker, hosts, keyType, key });
  });
  return entries;
}

/**
 * Whether a `known_hosts` host field matches a host name (as made by `knownHostsName`):
 * a hashed `|1|salt|hash` field, or comma-separated patterns with `*`, `?` and `!`.
 */
export function matchesHost(hosts: string, name: string): boolean {
  if (hosts.startsWith("|1|")) {
    const [, , salt, hash] = hosts.split("|");
    const saltBytes = _decodeBase64(salt ?? "");
    if (!saltBytes || !hash) return false;
    return createHmac("sha1", saltBytes).update(name).digest("base64") === hash;
  }
  let matched = false;
  for (const pattern of hosts.split(",")) {
    const negated = pattern.startsWith("!");
    if (!_globMatch(negated ? pattern.slice(1) : pattern, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/**
 * Checks a host key against parsed `known_hosts` entries, like OpenSSH does, with one
 * difference: a host known only by keys of other types counts as changed, not new.
 */
export function checkHostKey(entries: KnownHostsEntry[], name: string, key: Uint8Array): HostKeyStatus {
  const forHost = entries.filter((entry) => matchesHost(entry.hosts, name));
  const revoked = entries.find((entry) => entry.marker === "revoked" && _equal(entry.key, key));
  if (revoked) return { status: "revoked", line: revoked.line };
  const plain = forHost.filter((entry) => entry.marker === undefined);
  const same = plain.find((entry) => _equal(entry.key, key));
  if (same) return { status: "known", line: same.line };
  const type = keyTypeOf(key);
  const other = plain.find((entry) => entry.keyType === type) ?? plain[0];
  if (other) return { status: "changed", line: other.line, keyType: other.keyType };
  return { status: "new" };
}

/** The key types recorded for a host, in file order, without duplicates. */
export function knownKeyTypes(entries: KnownHostsEntry[], name: string): string[] {
  const types = entries
    .filter((entry) => entry.marker === undefined && matchesHost(entry.hosts, name))
    .map((entry) => entry.keyType);
  return [...new Set(types)];
}

/** The type name stored at the start of a public key blob, e.g. `ssh-ed25519`. */
export function keyTypeOf(key: Uint8Array): string {
  if (key.length < 4) return "unknown";
  const length = new DataView(key.buffer, key.byteOffset, key.byteLength).getUint32(0);
  return new TextDecoder().decode(key.subarray(4, 4 + length));
}

/**
 * The OpenSSH fingerprint of a public key blob, as `ssh-keygen -l` shows it.
 *
 * @example
 * ```ts
 * import { fingerprint } from "./known_hosts.ts";
 * fingerprint(new Uint8Array([0, 0, 0, 1, 120])); // => SHA256:...
 * ```
 */
export function fingerprint(key: Uint8Array): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

/** A `known_hosts` line (without newline) recording `key` for the host `name`. */
export function formatKnownHostsLine(name: string, key: Uint8Array): string {
  return `${name} ${keyTypeOf(key)} ${_encodeBase64(key)}`;
}

/** Options of `verifyHostKey`. */
export interface VerifyHostKeyOptions {
  /** Record the key when the host is new. @default true */
  acceptNew?: boolean;
}

/**
 * Checks a host key against a `known_hosts` file and, when the host is new, appends it
 * (creating the file 0600 and its directory 0700). Appends to one file are serialized
 * within the process, and the file is checked again just before appending, so many
 * concurrent connections to the same new host record it once.
 */
export function verifyHostKey(
  file: string,
  name: string,
  key: Uint8Array,
  options: VerifyHostKeyOptions = {},
): Promise<HostKeyStatus> {
  return _serialized(file, async () => {
    const status = checkHostKey(await readKnownHosts(file), name, key);
    if (status.status !== "new" || options.acceptNew === false) return status;
    await _appendLine(file, formatKnownHostsLine(name, key));
    return status;
  });
}

/** Reads and parses a `known_hosts` file; a missing file has no entries. */
export async function readKnownHosts(file: string): Promise<KnownHostsEntry[]> {
  try {
    return parseKnownHosts(await Deno.readTextFile(file));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

const _queues = new Map<string, Promise<unknown>>();

function _serialized<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = _queues.get(key) ?? Promise.resolve();
  const next = previous.then(task, task);
  const settled = next.catch(() => {});
  _queues.set(key, settled);
  settled.then(() => {
    if (_queues.get(key) === settled) _queues.delete(key);
  });
  return next;
}

async function _appendLine(file: string, line: string): Promise<void> {
  await Deno.mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const handle = await Deno.open(file, { read: true, append: true, create: true, mode: 0o600 });
  try {
    const size = (await handle.stat()).size;
    let prefix = "";
    if (size > 0) {
      const last = new Uint8Array(1);
      await handle.seek(-1, Deno.SeekMode.End);
      await handle.read(last);
      if (last[0] !== 0x0a) prefix = "\n";
    }
    // One write of one line: O_APPEND keeps it whole even with other processes appending.
    const bytes = new TextEncoder().encode(`${prefix}${line}\n`);
    let written = 0;
    while (written < bytes.length) written += await handle.write(bytes.subarray(written));
  } finally {
    handle.close();
  }
}

function _globMatch(pattern: string, name: string): boolean {
  const source = pattern.toLowerCase().replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*")
    .replaceAll("?", ".");
  return new RegExp(`^${source}$`).test(name.toLowerCase());
}

function _equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function _decodeBase64(text: string): Uint8Array | undefined {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

function _encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
