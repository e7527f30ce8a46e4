/**
 * `ansible.cfg`, found and read as Ansible finds and reads it: the first of
 * `ANSIBLE_CONFIG`, `./ansible.cfg`, `~/.ansible.cfg`, `/etc/ansible/ansible.cfg` that
 * exists, parsed like Python's `configparser` (Ansible's `inline_comment_prefixes=(';',)`),
 * and the `ANSIBLE_*` environment variables over it. muster takes the settings it has an
 * equivalent for; they are defaults, below the command line and the inventory's variables.
 */

import { dirname, isAbsolute, join, resolve } from "node:path";
import { type SourcePosition, UsageError } from "../engine/errors.ts";
import type { ConnectionDefaults } from "../inventory/connection.ts";
import { parseBoolean } from "../inventory/connection.ts";

/** One value of an ini file, with where it was set. */
export interface IniValue {
  value: string;
  position: SourcePosition;
}

/** The settings muster takes from `ansible.cfg` and the environment. */
export interface AnsibleConfig {
  /** The file read, if one was found. */
  file?: string;
  /** `[defaults] inventory`: paths, relative ones from the file's directory. */
  inventory?: string[];
  /** `[defaults] forks` */
  forks?: number;
  /** `[defaults] host_key_checking`: false means `--host-key-checking off`. */
  hostKeyChecking?: boolean;
  /** `[defaults] timeout`: the SSH connect timeout, in seconds. */
  timeout?: number;
  /** `[defaults] vault_password_file`, for whoever calls `readVault`. */
  vaultPasswordFile?: string;
  /** `remote_user`, `private_key_file`, `[ssh_connection] ssh_args`, `[privilege_escalation] become`, `become_user`. */
  connection: ConnectionDefaults;
}

/** Where to look. */
export interface FindOptions {
  env: { get(key: string): string | undefined };
  /** @default Deno.cwd() */
  cwd?: string;
  /** @default HOME from `env` */
  home?: string;
}

/**
 * The file Ansible would read: `ANSIBLE_CONFIG` (a file, or a directory holding
 * `ansible.cfg`), `./ansible.cfg` (unless the directory is world-writable, which Ansible
 * refuses), `~/.ansible.cfg`, `/etc/ansible/ansible.cfg`; the first that exists.
 */
export async function findAnsibleConfig(options: FindOptions): Promise<string | undefined> {
  const cwd = options.cwd ?? Deno.cwd();
  const home = options.home ?? options.env.get("HOME");
  const candidates: string[] = [];
  const fromEnv = options.env.get("ANSIBLE_CONFIG");
  if (fromEnv) {
    const path = resolve(cwd, expandHome(fromEnv, home));
    const info = await Deno.stat(path).catch(() => undefined);
    candidates.push(info?.isDirectory ? join(path, "ansible.cfg") : path);
  }
  const cwdInfo = await Deno.stat(cwd).catch(() => undefined);
  if (cwdInfo && ((cwdInfo.mode ?? 0) & 0o002) === 0) candidates.push(join(cwd, "ansible.cfg"));
  if (home) candidates.push(join(home, ".ansible.cfg"));
  candidates.push("/etc/ansible/ansible.cfg");
  for (const path of candidates) {
    const info = await Deno.stat(path).catch(() => undefined);
    if (info?.isFile) return path;
  }
  return undefined;
}

/**
 * Parses ini text as Python's `configparser` does with Ansible's settings: `[section]`
 * headers, `key = value` or `key: value` (keys lower-cased), full-line `#` and `;`
 * comments, inline `;` comments after whitespace, indented continuation lines, `%%` for
 * `%`.
 *
 * @throws {UsageError} for a line that is none of these, or a key set twice in a section
 *
 * @example
 * ```ts
 * import { parseIni } from "./ansible_cfg.ts";
 * parseIni("[defaults]\nforks = 20 ; more\n", "ansible.cfg").get("defaults")?.get("forks")?.value; // => "20"
 * ```
 */
export function parseIni(text: string, file: string): Map<string, Map<string, IniValue>> {
  const sections = new Map<string, Map<string, IniValue>>();
  let section: Map<string, IniValue> | undefined;
  let last: IniValue | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const fail = (message: string): never => {
      throw new UsageError(`${file}:${line}: ${message}`);
    };
    const stripped = raw.replace(/\s;.*$/, "");
    if (/^\s*[#;]/.test(raw) || stripped.trim() === "") {
      if (stripped.trim() === "") last = undefined;
      return;
    }
    if (/^\s/.test(raw) && last) {
      last.value += `\n${stripped.trim()}`;
      return;
    }
    const header = /^\[([^\]]+)\]\s*$/.exec(stripped);
    if (header) {
      section = sections.get(header[1]) ?? new Map();
      sections.set(header[1], section);
      last = undefined;
      return;
    }
    const pair = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(stripped.trim());
    if (!pair) return fail(`expected [section] or key = value, got ${JSON.stringify(raw)}`);
    if (!section) return fail("a setting before any [section]");
    const key = pair[1].toLowerCase();
    if (section.has(key)) return fail(`${key} is set twice in its section`);
    last = { value: pair[2].trim(), position: { file, line, col: 1 } };
    section.set(key, last);
  });
  for (const values of sections.values()) {
    for (const entry of values.values()) entry.value = entry.value.replaceAll("%%", "%");
  }
  return sections;
}

/**
 * Finds and reads `ansible.cfg`, with the environment's `ANSIBLE_*` variables over it
 * (`ANSIBLE_INVENTORY`, `ANSIBLE_REMOTE_USER`, `ANSIBLE_PRIVATE_KEY_FILE`, `ANSIBLE_FORKS`,
 * `ANSIBLE_HOST_KEY_CHECKING`, `ANSIBLE_TIMEOUT`, `ANSIBLE_SSH_ARGS`, `ANSIBLE_BECOME`,
 * `ANSIBLE_BECOME_USER`; `ANSIBLE_VAULT_PASSWORD_FILE` is `readVault`'s).
 *
 * @throws {UsageError} for a file that cannot be parsed or a bad value, with its line
 */
export async function loadAnsibleConfig(options: FindOptions): Promise<AnsibleConfig> {
  const file = await findAnsibleConfig(options);
  const sections = file ? parseIni(await Deno.readTextFile(file), file) : new Map();
  const home = options.home ?? options.env.get("HOME");
  const base = file ? dirname(file) : options.cwd ?? Deno.cwd();
  const path = (value: string) => {
    const expanded = expandHome(value, home);
    return isAbsolute(expanded) ? expanded : resolve(base, expanded);
  };
  /** A setting: the environment variable, else the file's value. */
  const get = (section: string, key: string, envName: string): IniValue | undefined => {
    const fromEnv = options.env.get(envName);
    if (fromEnv !== undefined) return { value: fromEnv, position: { file: `$${envName}`, line: 1, col: 1 } };
    return sections.get(section)?.get(key);
  };
  const bad = (found: IniValue, key: string, expected: string): never => {
    const { file: where, line } = found.position;
    throw new UsageError(
      `${where}${where.startsWith("$") ? "" : `:${line}`}: ${key}: expected ${expected}, got ${
        JSON.stringify(found.value)
      }`,
    );
  };
  const integer = (found: IniValue | undefined, key: string) => {
    if (!found) return undefined;
    const n = /^\s*\d+\s*$/.test(found.value) ? Number(found.value) : NaN;
    return n >= 1 ? n : bad(found, key, "a whole number of at least 1");
  };
  const boolean = (found: IniValue | undefined, key: string) => {
    if (!found) return undefined;
    return parseBoolean(found.value) ?? bad(found, key, "a boolean (True/False, yes/no)");
  };
  const text = (found: IniValue | undefined) => found?.value === "" ? undefined : found?.value;

  const inventory = text(get("defaults", "inventory", "ANSIBLE_INVENTORY"));
  const key = text(get("defaults", "private_key_file", "ANSIBLE_PRIVATE_KEY_FILE"));
  // ANSIBLE_VAULT_PASSWORD_FILE is read by readVault itself: only the file's value here.
  const vault = text(sections.get("defaults")?.get("vault_password_file"));
  const sshArgs = get("ssh_connection", "ssh_args", "ANSIBLE_SSH_ARGS");
  const connection: ConnectionDefaults = {};
  const user = text(get("defaults", "remote_user", "ANSIBLE_REMOTE_USER"));
  if (user) connection.user = user;
  if (key) connection.privateKeyFile = path(key);
  const become = boolean(get("privilege_escalation", "become", "ANSIBLE_BECOME"), "become");
  if (become !== undefined) connection.become = become;
  const becomeUser = text(get("privilege_escalation", "become_user", "ANSIBLE_BECOME_USER"));
  if (becomeUser) connection.becomeUser = becomeUser;
  if (sshArgs && sshArgs.value !== "") {
    connection.sshArgs = { value: sshArgs.value, position: sshArgs.position };
  }
  const config: AnsibleConfig = { ...(file ? { file } : {}), connection };
  if (inventory) config.inventory = inventory.split(",").map((item) => item.trim()).filter(Boolean).map(path);
  const forks = integer(get("defaults", "forks", "ANSIBLE_FORKS"), "forks");
  if (forks !== undefined) config.forks = forks;
  const checking = boolean(
    get("defaults", "host_key_checking", "ANSIBLE_HOST_KEY_CHECKING"),
    "host_key_checking",
  );
  if (checking !== undefined) config.hostKeyChecking = checking;
  const timeout = integer(get("defaults", "timeout", "ANSIBLE_TIMEOUT"), "timeout");
  if (timeout !== undefined) config.timeout = timeout;
  if (vault) config.vaultPasswordFile = path(vault);
  return config;
}

function expandHome(path: string, home: string | undefined): string {
  return home && (path === "~" || path.startsWith("~/")) ? home + path.slice(1) : path;
}
