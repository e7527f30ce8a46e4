/** The Ansible-format inventory of a local test fleet, as plain data (written as YAML by `Fleet.writeInventory()`). */

/** Extra content of a fleet inventory. */
export interface InventorySpec {
  /** Groups under `all.children`, each a list of fleet host names. */
  groups?: Record<string, string[]>;
  /** Variables of `all`. */
  vars?: Record<string, unknown>;
  /** Variables per host, merged over (and able to replace) the connection variables. */
  hostVars?: Record<string, Record<string, unknown>>;
}

/**
 * Builds the inventory: every host with `ansible_host`, `ansible_user: deploy`, the fleet's key
 * and `ansible_become: true`, plus the groups and variables of `spec`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { fleetInventory } from "./inventory.ts";
 *
 * const inventory = fleetInventory([{ name: "host1", address: "127.0.0.11" }], "/k", { groups: { web: ["host1"] } });
 * deepStrictEqual(inventory, {
 *   all: {
 *     hosts: {
 *       host1: {
 *         ansible_host: "127.0.0.11",
 *         ansible_user: "deploy",
 *         ansible_ssh_private_key_file: "/k",
 *         ansible_become: true,
 *       },
 *     },
 *     children: { web: { hosts: { host1: null } } },
 *   },
 * });
 * ```
 */
export function fleetInventory(
  hosts: { name: string; address: string }[],
  keyFile: string,
  spec: InventorySpec = {},
): Record<string, unknown> {
  const names = new Set(hosts.map((host) => host.name));
  const unknown = (name: string) => !names.has(name);
  for (const [group, members] of Object.entries(spec.groups ?? {})) {
    const missing = members.filter(unknown);
    if (missing.length > 0) {
      throw new Error(`Cannot write inventory: group '${group}' names unknown hosts: ${missing.join(", ")}`);
    }
  }
  const missing = Object.keys(spec.hostVars ?? {}).filter(unknown);
  if (missing.length > 0) {
    throw new Error(`Cannot write inventory: hostVars name unknown hosts: ${missing.join(", ")}`);
  }

  const all: Record<string, unknown> = {};
  if (spec.vars && Object.keys(spec.vars).length > 0) all.vars = spec.vars;
  all.hosts = Object.fromEntries(hosts.map((host) => [host.name, {
    ansible_host: host.address,
    ansible_user: "deploy",
    ansible_ssh_private_key_file: keyFile,
    ansible_become: true,
    ...spec.hostVars?.[host.name],
  }]));
  const groups = Object.entries(spec.groups ?? {});
  if (groups.length > 0) {
    all.children = Object.fromEntries(
      groups.map((
        [group, members],
      ) => [group, { hosts: Object.fromEntries(members.map((name) => [name, null])) }]),
    );
  }
  return { all };
}
