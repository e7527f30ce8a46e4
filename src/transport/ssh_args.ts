/**
 * The OpenSSH command-line arguments an inventory passes in `ansible_ssh_args`,
 * `ansible_ssh_common_args` and `ansible_ssh_extra_args` (Ansible splits each with
 * `shlex.split` and appends it to the `ssh` command line), read into the options muster
 * honours. As with OpenSSH, the first value given for an option wins. An option muster
 * does not support is an `InventoryError` naming it, the variable and where it was set.
 */

import { InventoryError, type SourcePosition } from "../engine/errors.ts";
import { ShlexError, shlexSplit } from "../inventory/shlex.ts";

/** One variable holding SSH arguments, as the inventory set it. */
export interface SshArgsSource {
  /** The variable, e.g. `ansible_ssh_common_args`. */
  variable: string;
  /** Its text, as `ssh` would get it from a shell. */
  value: string;
  /** Where it was set. */
  position?: SourcePosition;
}

/** What SSH options say, with the variable that said each. */
export interface SshOptionValues {
  hostName?: string;
  port?: number;
  user?: string;
  identityFiles?: string[];
  /** `[user@]host[:port]` hops, comma-separated, or `none`. */
  proxyJump?: string;
  /** A command whose stdio carries the connection, or `none`. */
  proxyCommand?: string;
  strictHostKeyChecking?: "yes" | "accept-new" | "off";
  userKnownHostsFile?: string;
  connectTimeoutMs?: number;
  serverAliveIntervalMs?: number;
  serverAliveCountMax?: number;
  compression?: boolean;
  /** `-F FILE`: the ssh config file to read instead of `~/.ssh/config`. */
  configFile?: string;
}

/** The name OpenSSH gives each option muster reads, lower-cased to match `-o` keys and ssh config. */
export const OPTION_NAMES: Record<string, keyof SshOptionValues> = {
  hostname: "hostName",
  port: "port",
  user: "user",
  identityfile: "identityFiles",
  proxyjump: "proxyJump",
  proxycommand: "proxyCommand",
  stricthostkeychecking: "strictHostKeyChecking",
  userknownhostsfile: "userKnownHostsFile",
  connecttimeout: "connectTimeoutMs",
  serveraliveinterval: "serverAliveIntervalMs",
  serveralivecountmax: "serverAliveCountMax",
  compression: "compression",
};

/**
 * Options with no effect on how muster connects, accepted so that common `ssh_args`
 * (Ansible's default is `-C -o ControlMaster=auto -o ControlPersist=60s`) work: muster
 * already keeps one connection per host for the whole run, never prompts, and has no
 * ssh log level.
 */
const NO_EFFECT = new Set(["controlmaster", "controlpersist", "controlpath", "batchmode", "loglevel"]);

/** Flags that take a value, and the option each sets. */
const FLAGS: Record<string, string> = {
  "-J": "ProxyJump",
  "-p": "Port",
  "-l": "User",
  "-i": "IdentityFile",
};

/**
 * Reads SSH arguments, in the order given (the first value of an option wins, as in
 * OpenSSH; `IdentityFile`s add up). Honoured: `-o` with `ProxyJump`, `ProxyCommand`,
 * `HostName`, `Port`, `User`, `IdentityFile`, `StrictHostKeyChecking`,
 * `UserKnownHostsFile`, `ConnectTimeout`, `ServerAliveInterval`, `ServerAliveCountMax`,
 * `Compression`; `-J`, `-p`, `-l`, `-i`, `-F`, `-C`; `-q` and the `Control*`, `BatchMode`,
 * `LogLevel` options are accepted and change nothing.
 *
 * @throws {InventoryError} for an option muster does not support or a bad value, at the
 * variable's position
 *
 * @example
 * ```ts
 * import { readSshArgs } from "./ssh_args.ts";
 * readSshArgs([{ variable: "ansible_ssh_common_args", value: "-o ProxyJump=bastion -p 2222" }]);
 * // => { proxyJump: "bastion", port: 2222 }
 * ```
 */
export function readSshArgs(sources: SshArgsSource[]): SshOptionValues {
  const values: SshOptionValues = {};
  for (const source of sources) {
    const fail = (message: string): never => {
      throw new InventoryError(`${source.variable}: ${message}`, source.position, {
        hint: "muster reads only the SSH options that change where and how it connects; " +
          "remove this one, or set it in ~/.ssh/config if it does not matter to muster",
      });
    };
    let words: string[];
    try {
      words = shlexSplit(source.value, { comments: false }).map((word) => word.value);
    } catch (error) {
      if (!(error instanceof ShlexError)) throw error;
      return fail(`cannot split ${JSON.stringify(source.value)}: ${error.message}`);
    }
    for (let i = 0; i < words.length; i++) {
      const word = words[i];
      const takeValue = (flag: string): string => {
        const attached = word.slice(flag.length);
        if (attached !== "") return attached;
        if (i + 1 >= words.length) fail(`${flag} needs a value`);
        return words[++i];
      };
      if (word.startsWith("-o")) {
        setOption(values, takeValue("-o"), fail);
      } else if (word.slice(0, 2) in FLAGS) {
        const flag = word.slice(0, 2);
        setOption(values, `${FLAGS[flag]}=${takeValue(flag)}`, fail);
      } else if (word.startsWith("-F")) {
        values.configFile ??= takeValue("-F");
      } else if (/^-[Cq]+$/.test(word)) {
        if (word.includes("C")) values.compression ??= true;
      } else {
        fail(`unsupported SSH argument ${JSON.stringify(word)}`);
      }
    }
  }
  return values;
}

/**
 * Sets one `Key=Value` (or `Key Value`) option unless it is set already; an
 * `IdentityFile` is added to the others.
 */
function setOption(values: SshOptionValues, text: string, fail: (message: string) => never): void {
  const match = /^\s*([A-Za-z][A-Za-z0-9]*)\s*(?:=\s*|\s+)(.*)$/s.exec(text);
  if (!match) return fail(`expected -o Key=Value, got -o ${JSON.stringify(text)}`);
  const key = match[1].toLowerCase();
  const raw = match[2].trim();
  if (NO_EFFECT.has(key)) return;
  const name = OPTION_NAMES[key];
  if (!name) return fail(`unsupported SSH option ${match[1]} (in -o ${JSON.stringify(text)})`);
  const value = optionValue(
    name,
    raw,
    (expected) => fail(`${match[1]}: expected ${expected}, got ${JSON.stringify(raw)}`),
  );
  if (name === "identityFiles") {
    values.identityFiles = [...values.identityFiles ?? [], value as string];
  } else if (values[name] === undefined) {
    (values as Record<string, unknown>)[name] = value;
  }
}

/** A value as its option means it; `bad` is called with what was expected. */
export function optionValue(
  name: keyof SshOptionValues,
  raw: string,
  bad: (expected: string) => never,
): SshOptionValues[keyof SshOptionValues] {
  const seconds = (text: string) => /^\d+$/.test(text) ? Number(text) * 1000 : bad("a number of seconds");
  switch (name) {
    case "port": {
      const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
      return port >= 1 && port <= 65535 ? port : bad("a port number (1-65535)");
    }
    case "connectTimeoutMs":
    case "serverAliveIntervalMs":
      return seconds(raw);
    case "serverAliveCountMax":
      return /^\d+$/.test(raw) ? Number(raw) : bad("a number");
    case "compression":
      return yesNo(raw) ?? bad("yes or no");
    case "strictHostKeyChecking": {
      const mode = raw.toLowerCase();
      if (mode === "accept-new") return "accept-new";
      // Without a terminal OpenSSH's "ask" refuses an unknown host, as "yes" does.
      if (mode === "yes" || mode === "ask") return "yes";
      if (mode === "no" || mode === "off") return "off";
      return bad("yes, accept-new, no or off");
    }
    case "userKnownHostsFile":
      return raw !== "" && !/\s/.test(raw) ? raw : bad("one file (muster reads only one)");
    default:
      return raw === "" ? bad("a value") : raw;
  }
}

function yesNo(text: string): boolean | undefined {
  const value = text.toLowerCase();
  return value === "yes" ? true : value === "no" ? false : undefined;
}
