/**
 * How to reach a host, from its inventory variables, with Ansible's names and precedence:
 * the older `ansible_ssh_host`/`_port`/`_user`/`_private_key_file` win over the newer
 * names, as in Ansible. A host named `localhost` is reached over SSH unless it says
 * `ansible_connection: local`; only Ansible's implicit localhost is local by default.
 */

import { InventoryError } from "../engine/errors.ts";
import type { Connection } from "../transport/transport.ts";
import { numberOf } from "./float.ts";
import type { InventoryHost } from "./types.ts";
import { VaultValue } from "./vault.ts";

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
 * How to reach a host: `ansible_host` (default: its name), `ansible_port` (22),
 * `ansible_user`, `ansible_connection` (`ssh`, `smart`, `paramiko` mean SSH; `local`),
 * `ansible_ssh_private_key_file` (`~` expanded), `ansible_become` and
 * `ansible_become_user` (default `root`). A value of the wrong type is an
 * `InventoryError` naming the host and the variable, at the place it was set.
 *
 * @example
 * ```ts
 * import { connectionOf } from "./connection.ts";
 * connectionOf({ name: "web1", groups: ["all"], vars: { ansible_host: "10.0.0.5", ansible_become: "yes" } });
 * // => { name: "web1", kind: "ssh", address: "10.0.0.5", port: 22, user: undefined,
 * //      privateKeyFile: undefined, become: true, becomeUser: "root" }
 * ```
 */
export function connectionOf(host: InventoryHost): Connection {
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
  let become = false;
  if (becomeVar) {
    const b = parseBoolean(becomeVar.value);
    if (b === undefined) {
      return vars.fail("ansible_become", "a boolean (true/false, yes/no)", becomeVar.value);
    }
    become = b;
  }
  const key = vars.string(["ansible_ssh_private_key_file", "ansible_private_key_file"], "a file path");
  return {
    name: host.name,
    kind,
    address: vars.string(["ansible_ssh_host", "ansible_host"], "a host name or address") ?? host.name,
    port,
    user: vars.string(["ansible_ssh_user", "ansible_user"], "a user name"),
    privateKeyFile: key === undefined ? undefined : expandHome(key),
    become,
    becomeUser: vars.string(["ansible_sudo_user", "ansible_become_user"], "a user name") ?? "root",
  };
}
