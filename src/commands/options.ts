import type { Emit } from "../engine/events.ts";
import type { FleetOptions } from "../engine/fleet.ts";
import type { ConnectionDefaults } from "../inventory/connection.ts";
import type { Vault } from "../inventory/vault.ts";

/** Options every command takes. */
export interface CommonOptions extends FleetOptions {
  /** The application: a built-in app's name or a directory holding app.yaml. @default "flame" */
  app?: string;
  /** Inventory files or directories; empty means the built-in local inventory. */
  inventory: string[];
  /** Ansible host pattern. */
  limit?: string;
  /** Ansible Vault passwords, for encrypted files and `!vault` values. */
  vault?: Vault;
  /** `-e` variables (highest precedence). */
  extraVars?: Record<string, unknown>;
  /** SSH host key checking. @default "accept-new" */
  hostKeyChecking?: "accept-new" | "yes" | "off";
  /** known_hosts file. @default ~/.ssh/known_hosts */
  knownHostsFile?: string;
  /** Longest time one host may take, in ms. */
  hostTimeoutMs?: number;
  /** SSH connect timeout in ms (ansible.cfg's `timeout`). @default 10000 */
  connectTimeoutMs?: number;
  /** Connection defaults for what the inventory does not say (ansible.cfg). */
  connectionDefaults?: ConnectionDefaults;
  /** Receives the run's events. */
  emit?: Emit;
  /** The command line as typed, recorded by the host lock and the audit trail. @default the command's name */
  argv?: string[];
}

/**
 * `--max-fail-percent` of a run that changes hosts: rolling batches (`--serial`) are
 * health-gated, so after a failed host no batch starts unless the user allows it.
 */
export function gatedMaxFailPercent(
  options: { serial?: string | number; maxFailPercent?: number },
): number | undefined {
  return options.maxFailPercent ?? (options.serial !== undefined ? 0 : undefined);
}
