/**
 * The user's OpenSSH client configuration (`~/.ssh/config`, or the file of `-F`), read
 * with the `ssh-config` package as OpenSSH reads it: `Host` and `Match` sections matched
 * against the name given (the inventory's `ansible_host`), the first value of each option
 * winning. muster takes from it what changes where and how it connects; other options
 * (`ForwardAgent`, `SendEnv`, ...) are OpenSSH's business and are left alone.
 */

import SSHConfig from "ssh-config";
import { homedir } from "node:os";
import { join } from "node:path";
import { ConnectionError } from "../engine/errors.ts";
import { OPTION_NAMES, optionValue, type SshOptionValues } from "./ssh_args.ts";

/** The default ssh config file: `~/.ssh/config` (HOME from the environment). */
export function defaultSshConfigFile(): string {
  return join(homedir(), ".ssh", "config");
}

/**
 * What an ssh config's text says about `host` (logging in as `user`, for `Match user`).
 * `file` names the file in errors.
 *
 * @throws {ConnectionError} when an option muster takes has a value it cannot use
 *
 * @example
 * ```ts
 * import { sshConfigFor } from "./ssh_config.ts";
 * const text = "Host web*\n  HostName 10.0.0.5\n  Port 2222\nHost *\n  User ops\n";
 * sshConfigFor(text, "web1", { file: "config" });
 * // => { hostName: "10.0.0.5", port: 2222, user: "ops" }
 * ```
 */
export function sshConfigFor(
  text: string,
  host: string,
  options: { file: string; user?: string },
): SshOptionValues {
  let computed: Record<string, string | string[]>;
  try {
    const config = SSHConfig.parse(text);
    computed = config.compute({ Host: host, ...(options.user ? { User: options.user } : {}) }, {
      ignoreCase: true,
    });
  } catch (error) {
    throw new ConnectionError(`Cannot read ${options.file}: ${(error as Error).message}`, { cause: error });
  }
  const values: SshOptionValues = {};
  // The options muster takes from an ssh config are those it takes from `-o`.
  for (const [key, name] of Object.entries(OPTION_NAMES)) {
    const found = computed[key];
    if (found === undefined) continue;
    const list = Array.isArray(found) ? found : [found];
    const bad = (expected: string): never => {
      throw new ConnectionError(
        `Invalid ${key} in ${options.file} for host ${host}: expected ${expected}, got ${
          JSON.stringify(list[0])
        }`,
      );
    };
    if (name === "identityFiles") values.identityFiles = list.map(String);
    else (values as Record<string, unknown>)[name] = optionValue(name, String(list[0]).trim(), bad);
  }
  return values;
}

/**
 * Reads the ssh config file for `host`; a missing file says nothing.
 *
 * @throws {ConnectionError} when the file cannot be read or a value is bad
 */
export async function readSshConfig(
  host: string,
  options: { file?: string; user?: string } = {},
): Promise<SshOptionValues> {
  const file = options.file ?? defaultSshConfigFile();
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound && options.file === undefined) return {};
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.PermissionDenied) {
      throw new ConnectionError(`Cannot read ssh config ${file}: ${error.message}`, { cause: error });
    }
    throw error;
  }
  return sshConfigFor(text, host, { file, user: options.user });
}
