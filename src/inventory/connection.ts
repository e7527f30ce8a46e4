/**
 * How to reach a host, from its inventory variables, with Ansible's names and precedence:
 * the older `ansible_ssh_host`/`_port`/`_user`/`_private_key_file` win over the newer
 * names, as in Ansible. A host named `localhost` is reached over SSH unless it says
 * `ansible_connection: local`; only Ansible's implicit localhost is local by default.
 */

import { InventoryError, type SourcePosition } from "../engine/errors.ts";
import { Secret } from "../transport/secret.ts";
import type { Connection } from "../transport/transport.ts";
import { numberOf } from "./float.ts";
import type { InventoryHost } from "./types.ts";
import { VaultValue } from "./vault.ts";
import { rememberSecret } from "../text/secrets.ts";

const SSH = [
  "ssh",
  "smart",
  "paramiko",
  "paramiko_ssh",
  "ansible.builtin.ssh",
  "ansible.builtin.paramiko_ssh",
];
const LOCAL = ["local", "ansible.builtin.local"];
const TRUE = ["y", "yes", "on", "1", "true", "t"];
const FALSE = ["n", "no", "off", "0", "false", "f"];

class VarReader {
  constructor(readonly host: InventoryHost) {}

  /** The first of `names` the host defines, with its name; a vault value is decrypted. */
  first(names: string[]): { name: string; value: unknown } | undefined {
    for (const name of names) {
      if (name in this.host.vars && this.host.vars[name] !== null) {
        const value = this.host.vars[name];
        return { name, value: value instanceof VaultValue ? value.reveal() : value };
      }
    }
    return undefined;
  }

  fail(name: string, expected: string, value: unknown): never {
    throw new InventoryError(
      `Invalid ${name} for host '${this.host.name}': expected ${expected}, got ${JSON.stringify(value)}`,
      this.host.positions?.[name],
    );
  }

  /**
   * A password: a string or a vault value, decrypted only when revealed. The secret's
   * text may not hold a line break (sudo reads one line).
   */
  secret(names: string[]): Secret | undefined {
    const name = names.find((n) => n in this.host.vars && this.host.vars[n] !== null);
    if (name === undefined) return undefined;
    const value = this.host.vars[name];
    if (!(value instanceof VaultValue) && typeof value !== "string" && numberOf(value) === undefined) {
      this.fail(name, "a string", "(not shown)");
    }
    return new Secret(() => {
      const text = value instanceof VaultValue ? value.reveal() : String(value);
      if (/[\r\n]/.test(text)) this.fail(name, "a password on one line", "(not shown)");
      rememberSecret(text);
      return text;
    });
  }

  string(names: string[], expected = "a string"): string | undefined {
    const found = this.first(names);
    if (!found) return undefined;
    const { name, value } = found;
    if (typeof value !== "string" && numberOf(value) === undefined) this.fail(name, expected, value);
    const text = String(value);
    if (text.includes("{{") || text.includes("{%")) {
      this.fail(name, `${expected} (Jinja templates are not supported)`, value);
    }
    return text;
  }
}

/** Ansible's `boolean()`: true/false, yes/no, on/off, y/n, t/f, 1/0, any case. */
export function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  const n = numberOf(value);
  if (n === 1 || n === 0) return n === 1;
  if (typeof value !== "string") return undefined;
  const text = value.trim().toLowerCase();
  if (TRUE.includes(text)) return true;
  if (FALSE.includes(text)) return false;
  return undefined;
}

/** Expands a leading `~` or `~/` to the home directory. */
function expandHome(path: string): string {
  if (path !== "~" && !path.startsWith("~/")) return path;
  const home = Deno.env.get("HOME");
  return home ? home + path.slice(1) : path;
}

/**
 * Defaults of an `ansible.cfg` (or its environment variables): used when the inventory
 * does not set the variable.
 */
export interface ConnectionDefaults {
  /** `[defaults] remote_user` */
  user?: string;
  /** `[defaults] private_key_file` */
  privateKeyFile?: string;
  /** `[privilege_escalation] become` */
  become?: boolean;
  /** `[privilege_escalation] become_user` */
  becomeUser?: string;
  /** `[ssh_connection] ssh_args`, where it was set */
  sshArgs?: { value: string; position?: SourcePosition };
}

/** The variables of the SSH arguments, in the order Ansible puts them on the `ssh` command line. */
const SSH_ARGS = ["ansible_ssh_args", "ansible_ssh_common_args", "ansible_ssh_extra_args"];

/**
 * How to reach a host: `ansible_host` (default: its name), `ansible_port` (22),
 * `ansible_user`, `ansible_connection` (`ssh`, `smart`, `paramiko` mean SSH; `local`),
 * `ansible_ssh_private_key_file` (`~` expanded), `ansible_become` and
 * `ansible_become_user` (default `root`), the SSH arguments of `ansible_ssh_args` (else
 * the config's `ssh_args`), `ansible_ssh_common_args` and `ansible_ssh_extra_args` (read
 * when connecting), `ansible_password` (or `ansible_ssh_pass`) and
 * `ansible_become_password` (or `ansible_become_pass`), vault values decrypted only when
 * used. `defaults` come from `ansible.cfg`. A value of the wrong type is an
 * `InventoryError` naming the host and the variable, at the place it was set.
 *
 * @example
 * ```ts
 * import { connectionOf } from "./connection.ts";
 * connectionOf({ name: "web1", groups: ["all"], vars: { ansible_host: "10.0.0.5", ansible_become: "yes" } });
 * // => { name: "web1", kind: "ssh", address: "10.0.0.5", port: 22, portIsDefault: true, user: undefined,
 * //      privateKeyFile: undefined, become: true, becomeUser: "root" }
 * ```
 */
export function connectionOf(host: InventoryHost, defaults: ConnectionDefaults = {}): Connection {
  const vars = new VarReader(host);
  const kindText = vars.string(["ansible_connection"]);
  let kind: Connection["kind"] = "ssh";
  if (kindText !== undefined) {
    if (LOCAL.includes(kindText)) kind = "local";
    else if (!SSH.includes(kindText)) vars.fail("ansible_connection", "'ssh' or 'local'", kindText);
  }
  const portVar = vars.first(["ansible_ssh_port", "ansible_port"]);
  let port = 22;
  if (portVar) {
    const { name, value } = portVar;
    const n = numberOf(value) !== undefined
      ? numberOf(value)!
      : typeof value === "string" && /^\s*\d+\s*$/.test(value)
      ? +value
      : NaN;
    if (!Number.isInteger(n) || n < 1 || n > 65535) vars.fail(name, "a port number (1-65535)", value);
    port = n;
  }
  const becomeVar = vars.first(["ansible_become"]);
  let become = defaults.become ?? false;
  if (becomeVar) {
    const b = parseBoolean(becomeVar.value);
    if (b === undefined) {
      return vars.fail("ansible_become", "a boolean (true/false, yes/no)", becomeVar.value);
    }
    become = b;
  }
  const key = vars.string(["ansible_ssh_private_key_file", "ansible_private_key_file"], "a file path") ??
    defaults.privateKeyFile;
  const sshArgs: NonNullable<Connection["sshArgs"]> = [];
  for (const name of SSH_ARGS) {
    const value = vars.string([name], "SSH arguments");
    if (value !== undefined) sshArgs.push({ variable: name, value, position: host.positions?.[name] });
    else if (name === "ansible_ssh_args" && defaults.sshArgs) {
      sshArgs.push({ variable: "ssh_args", ...defaults.sshArgs });
    }
  }
  const password = vars.secret(["ansible_ssh_pass", "ansible_password"]);
  const becomePassword = vars.secret(["ansible_become_password", "ansible_become_pass", "ansible_sudo_pass"]);
  return {
    name: host.name,
    kind,
    address: vars.string(["ansible_ssh_host", "ansible_host"], "a host name or address") ?? host.name,
    port,
    ...(portVar ? {} : { portIsDefault: true }),
    user: vars.string(["ansible_ssh_user", "ansible_user"], "a user name") ?? defaults.user,
    privateKeyFile: key === undefined ? undefined : expandHome(key),
    become,
    becomeUser: vars.string(["ansible_sudo_user", "ansible_become_user"], "a user name") ??
      defaults.becomeUser ?? "root",
    ...(sshArgs.length ? { sshArgs } : {}),
    ...(password ? { password } : {}),
    ...(becomePassword ? { becomePassword } : {}),
  };
}
