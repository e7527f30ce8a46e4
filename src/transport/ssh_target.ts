/**
 * Where and how an SSH connection goes, from the host's inventory values, its SSH
 * arguments and the ssh config, with Ansible's and OpenSSH's precedence: inventory
 * variables (`ansible_host`, `ansible_port`, `ansible_user`,
 * `ansible_ssh_private_key_file`) over SSH arguments over `~/.ssh/config` over the run's
 * defaults. Pure: the callers read the files.
 */

import { homedir } from "node:os";
import { ConnectionError } from "../engine/errors.ts";
import type { SshOptionValues } from "./ssh_args.ts";

/** Host key checking: refuse unknown hosts, record them, or do not check. */
export type HostKeyChecking = "yes" | "accept-new" | "off";

/** One hop of a `ProxyJump` list. */
export interface JumpHop {
  host: string;
  user?: string;
  port?: number;
}

/** A key file to log in with; a `required` one that cannot be read fails the connection. */
export interface KeyFile {
  file: string;
  required: boolean;
}

/** Everything the SSH transport needs to open one connection. */
export interface SshTarget {
  /** The name given (the inventory's address): what ssh config sections match. */
  name: string;
  /** The host to connect to (`HostName`, else `name`). */
  host: string;
  port: number;
  /** Login user; undefined means the current user. */
  user?: string;
  /** Key files in the order tried; empty means `~/.ssh/id_*`. */
  keyFiles: KeyFile[];
  /** Jump hosts, first hop first (`ProxyJump`). */
  jump?: JumpHop[];
  /** A command that carries the connection on its stdio, `%h %p %r %n` not yet expanded. */
  proxyCommand?: string;
  hostKeyChecking: HostKeyChecking;
  /** @default ~/.ssh/known_hosts */
  knownHostsFile?: string;
  connectTimeoutMs: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  compression?: boolean;
}

/** What the inventory says about a host, and the run's defaults. */
export interface TargetInputs {
  /** `ansible_host`, else the inventory name. */
  address: string;
  /** `ansible_port`, unless the inventory left it to the default. */
  port?: number;
  user?: string;
  privateKeyFile?: string;
  /** The run's host key checking; `off` wins over every other setting, as Ansible's `host_key_checking = False`. */
  hostKeyChecking?: HostKeyChecking;
  knownHostsFile?: string;
  /** @default 10000 */
  connectTimeoutMs?: number;
}

/**
 * Combines the inventory's values, the SSH arguments and the ssh config into a target.
 *
 * @throws {ConnectionError} for a bad `ProxyJump` value
 *
 * @example
 * ```ts
 * import { sshTarget } from "./ssh_target.ts";
 * const target = sshTarget({ address: "web1", user: "deploy" }, { port: 2222 }, { hostName: "10.0.0.5", user: "ops" });
 * [target.host, target.port, target.user]; // => ["10.0.0.5", 2222, "deploy"]
 * ```
 */
export function sshTarget(inputs: TargetInputs, args: SshOptionValues, config: SshOptionValues): SshTarget {
  const pick = <K extends keyof SshOptionValues>(key: K): SshOptionValues[K] => args[key] ?? config[key];
  const keyFiles: KeyFile[] = [
    ...(inputs.privateKeyFile ? [{ file: expandHome(inputs.privateKeyFile), required: true }] : []),
    ...[...args.identityFiles ?? [], ...config.identityFiles ?? []].map((file) => ({
      file: expandHome(file),
      required: false,
    })),
  ];
  const host = pick("hostName") ?? inputs.address;
  const proxy = _proxy(args) ?? _proxy(config) ?? {};
  const checking = inputs.hostKeyChecking === "off"
    ? "off"
    : pick("strictHostKeyChecking") ?? inputs.hostKeyChecking ?? "accept-new";
  const knownHosts = pick("userKnownHostsFile");
  return {
    name: inputs.address,
    host,
    port: inputs.port ?? pick("port") ?? 22,
    user: inputs.user ?? pick("user"),
    keyFiles: keyFiles.filter((key, i) => keyFiles.findIndex((other) => other.file === key.file) === i),
    ...(proxy.jump ? { jump: parseJump(proxy.jump) } : {}),
    ...(proxy.command ? { proxyCommand: proxy.command } : {}),
    hostKeyChecking: checking,
    knownHostsFile: knownHosts ? expandHome(knownHosts) : inputs.knownHostsFile,
    connectTimeoutMs: pick("connectTimeoutMs") ?? inputs.connectTimeoutMs ?? 10_000,
    ...(pick("serverAliveIntervalMs") !== undefined
      ? { keepaliveIntervalMs: pick("serverAliveIntervalMs") }
      : {}),
    ...(pick("serverAliveCountMax") !== undefined ? { keepaliveCountMax: pick("serverAliveCountMax") } : {}),
    ...(pick("compression") !== undefined ? { compression: pick("compression") } : {}),
  };
}

/** A source's proxy: `ProxyJump` or `ProxyCommand` (`none` says there is none). */
function _proxy(values: SshOptionValues): { jump?: string; command?: string } | undefined {
  if (values.proxyJump !== undefined && values.proxyCommand !== undefined) {
    // OpenSSH takes whichever comes first; both in one place is almost always a mistake.
    throw new ConnectionError(
      `Conflicting SSH options: ProxyJump ${values.proxyJump} and ProxyCommand ${values.proxyCommand}`,
      { hint: "keep one of them" },
    );
  }
  const jump = values.proxyJump;
  const command = values.proxyCommand;
  if (jump !== undefined) return jump.toLowerCase() === "none" ? {} : { jump };
  if (command !== undefined) return command.toLowerCase() === "none" ? {} : { command };
  return undefined;
}

/**
 * Parses a `ProxyJump` list: comma-separated `[user@]host[:port]` (or `ssh://` URIs,
 * `[v6addr]:port`).
 *
 * @example
 * ```ts
 * import { parseJump } from "./ssh_target.ts";
 * parseJump("ops@bastion:2222,inner"); // => [{ host: "bastion", user: "ops", port: 2222 }, { host: "inner" }]
 * ```
 */
export function parseJump(text: string): JumpHop[] {
  return text.split(",").map((part) => {
    const match = /^(?:ssh:\/\/)?(?:([^@\s]+)@)?(\[[^\]\s]+\]|[^:@\s\[\]]+)(?::(\d+))?$/.exec(part.trim());
    const port = match?.[3] === undefined ? undefined : Number(match[3]);
    if (!match || (port !== undefined && (port < 1 || port > 65535))) {
      throw new ConnectionError(
        `Invalid ProxyJump ${JSON.stringify(text)}: expected [user@]host[:port], comma-separated`,
      );
    }
    const host = match[2].replace(/^\[(.*)\]$/, "$1");
    return { host, ...(match[1] ? { user: match[1] } : {}), ...(port !== undefined ? { port } : {}) };
  });
}

/**
 * Expands OpenSSH's `ProxyCommand` tokens: `%h` host, `%p` port, `%r` user, `%n` the name
 * given, `%%` a percent sign.
 *
 * @throws {ConnectionError} for any other token
 *
 * @example
 * ```ts
 * import { expandProxyCommand } from "./ssh_target.ts";
 * expandProxyCommand("ssh -W %h:%p bastion", { host: "10.0.0.5", port: 22, user: "deploy", name: "web1" });
 * // => "ssh -W 10.0.0.5:22 bastion"
 * ```
 */
export function expandProxyCommand(
  command: string,
  values: { host: string; port: number; user: string; name: string },
): string {
  return command.replace(/%(.)/g, (token, letter: string) => {
    switch (letter) {
      case "h":
        return values.host;
      case "p":
        return String(values.port);
      case "r":
        return values.user;
      case "n":
        return values.name;
      case "%":
        return "%";
      default:
        throw new ConnectionError(
          `Unsupported token ${token} in ProxyCommand ${
            JSON.stringify(command)
          }: muster expands %h, %p, %r, %n and %%`,
        );
    }
  });
}

function expandHome(path: string): string {
  return path === "~" || path.startsWith("~/") ? homedir() + path.slice(1) : path;
}
