/**
 * What `ansible-inventory` prints, from a loaded inventory: `--list` (groups, then
 * `_meta.hostvars`), `--graph` (the tree of groups and hosts) and `--host NAME`.
 */

import { UsageError } from "../engine/errors.ts";
import { selectHosts } from "./patterns.ts";
import type { Inventory, InventoryGroup, InventoryHost } from "./types.ts";

/** Magic variables `ansible-inventory` leaves out of host variables. */
const INTERNAL_VARS = new Set([
  "ansible_diff_mode",
  "ansible_config_file",
  "ansible_facts",
  "ansible_forks",
  "ansible_inventory_sources",
  "ansible_limit",
  "ansible_playbook_python",
  "ansible_run_tags",
  "ansible_skip_tags",
  "ansible_verbosity",
  "ansible_version",
  "inventory_dir",
  "inventory_file",
  "inventory_hostname",
  "inventory_hostname_short",
  "groups",
  "group_names",
  "omit",
  "playbook_dir",
]);

function withoutInternal(vars: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(vars)) {
    if (!INTERNAL_VARS.has(key)) out[key] = value;
  }
  return out;
}

function group(inventory: Inventory, name: string): InventoryGroup {
  const g = inventory.groups.get(name);
  if (!g) throw new UsageError(`Unknown group: ${name}`);
  return g;
}

/** Options of `listJson`. */
export interface ListJsonOptions {
  /**
   * The hosts to show (`--limit`): groups list only these, `_meta.hostvars` has only
   * theirs, and a group left with no hosts and no children is left out, as
   * `ansible-inventory --limit` (ansible-core 2.15 and later) does. @default every host
   */
  hosts?: InventoryHost[];
}

/**
 * The JSON object `ansible-inventory --list` prints: each group reachable from `all` with
 * its direct `hosts` and `children` (empty lists and empty groups left out, `all` never
 * lists hosts), and `_meta.hostvars` with the merged variables of every host that has any.
 * `pythonJson` writes it as `ansible-inventory` does.
 *
 * @example
 * ```ts ignore
 * import { listJson } from "./render.ts";
 * import { pythonJson } from "./python_json.ts";
 * console.log(pythonJson(listJson(inventory)).text);
 * ```
 */
export function listJson(inventory: Inventory, options: ListJsonOptions = {}): Record<string, unknown> {
  const hosts = options.hosts ?? selectHosts(inventory);
  const shown = options.hosts ? new Set(hosts.map((h) => h.name)) : undefined;
  const result: Record<string, unknown> = {};
  const seen = new Set<string>();
  const format = (g: InventoryGroup): void => {
    const entry: Record<string, unknown> = {};
    const members = shown ? g.hosts.filter((h) => shown.has(h)) : g.hosts;
    if (g.name !== "all" && members.length > 0) entry.hosts = [...members];
    if (g.children.length > 0) entry.children = [...g.children];
    result[g.name] = entry;
    for (const child of g.children) {
      if (!seen.has(child)) {
        format(group(inventory, child));
        seen.add(child);
      }
    }
    if (Object.keys(entry).length === 0) delete result[g.name];
  };
  format(group(inventory, "all"));
  const hostvars: Record<string, unknown> = {};
  for (const host of hosts) {
    const vars = withoutInternal(host.vars);
    if (Object.keys(vars).length > 0) hostvars[host.name] = vars;
  }
  result._meta = { hostvars };
  return result;
}

/**
 * The tree `ansible-inventory --graph [GROUP]` prints (without a final newline).
 *
 * @example
 * ```ts ignore
 * import { graph } from "./render.ts";
 * console.log(graph(inventory)); // @all:\n  |--@ungrouped:\n  |  |--web1 ...
 * ```
 */
export function graph(inventory: Inventory, start = "all"): string {
  const g = inventory.groups.get(start);
  if (!g) throw new UsageError(`Pattern must be a valid group name when using --graph: ${start}`);
  const lines: string[] = [];
  const name = (text: string, depth: number) => depth ? "  |".repeat(depth) + "--" + text : text;
  const walk = (g: InventoryGroup, depth: number): void => {
    lines.push(name(`@${g.name}:`, depth));
    for (const child of g.children) walk(group(inventory, child), depth + 1);
    if (g.name !== "all") { for (const host of g.hosts) lines.push(name(host, depth + 1)); }
  };
  walk(g, 0);
  return lines.join("\n");
}

/**
 * The variables `ansible-inventory --host NAME` prints for one host (NAME may be any
 * pattern that selects exactly one host).
 */
export function hostVars(inventory: Inventory, name: string): Record<string, unknown> {
  const hosts = selectHosts(inventory, name);
  if (hosts.length !== 1) throw new UsageError("You must pass a single valid host to --host parameter");
  return withoutInternal(hosts[0].vars);
}
