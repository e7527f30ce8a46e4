/**
 * Loads an inventory from files and directories exactly as Ansible does: every source is
 * read in order into one set of groups and hosts, Ansible's rules for `all` and
 * `ungrouped` are applied, and each host's variables are merged from the inventory files,
 * `group_vars/` and `host_vars/` beside each source, and extra variables.
 */

import { dirname, join } from "node:path";
import { InventoryError } from "../engine/errors.ts";
import { readHostList } from "./host_list.ts";
import { LOCALHOST_NAMES } from "./host_range.ts";
import { type GroupNode, type HostNode, InventoryData, sortGroups } from "./inventory_data.ts";
import { readInventoryFile } from "./inventory_file.ts";
import { isProgram } from "./program.ts";
import { readInventoryScript } from "./script_inventory.ts";
import { hostVarLayers } from "./precedence.ts";
import type { Inventory, InventoryGroup, InventoryHost } from "./types.ts";
import { mergeLayers, VarsDirectory, type VarsLayer } from "./vars_files.ts";
import { isEncrypted, Vault } from "./vault.ts";

/** Options of `loadInventory`. */
export interface LoadInventoryOptions {
  /** Extra variables (`-e`), which override every other variable. @default {} */
  extraVars?: Record<string, unknown>;
  /**
   * The vault passwords (`readVault`): vault-encrypted inventory and variables files are
   * decrypted when read (without a password they are an error naming the file), `!vault`
   * values are decrypted when used (`VaultValue.reveal()`). @default no passwords
   */
  vault?: Vault;
}

/** Names Ansible skips in an inventory directory: hidden files, vars dirs, backups, docs, `.ini`, `.cfg`... */
const IGNORED =
  /^\.|^host_vars$|^group_vars$|^vars_plugins$|\.pyc$|\.pyo$|\.swp$|\.bak$|~$|\.rpm$|\.md$|\.txt$|\.rst$|\.orig$|\.ini$|\.cfg$|\.retry$/;

async function statOf(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) return undefined;
    throw error;
  }
}

async function readDirectory(dir: string, read: Read): Promise<void> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  names.sort();
  for (const name of names) {
    if (IGNORED.test(name)) continue;
    const path = join(dir, name);
    const info = await statOf(path);
    if (!info) continue;
    if (info.isDirectory) await readDirectory(path, read);
    else if (info.isFile) await readFile(path, info, read);
  }
}

/**
 * Reads one inventory file. An executable one with `#!` is an inventory script, as in Ansible; if
 * it cannot be run or fails, it is read as a file (Ansible's next plugins), and if that
 * fails too, the script's error is the one reported.
 */
async function readFile(path: string, info: Deno.FileInfo, read: Read): Promise<void> {
  if (await isProgram(path, info)) {
    let scriptError: InventoryError;
    try {
      await readInventoryScript(path, read.data, read.vault);
      read.files.push(path);
      return;
    } catch (error) {
      if (!(error instanceof InventoryError)) throw error;
      scriptError = error;
    }
    try {
      await readTextFile(path, read);
    } catch (error) {
      if (!(error instanceof InventoryError)) throw error;
      throw scriptError;
    }
    return;
  }
  await readTextFile(path, read);
}

async function readTextFile(path: string, read: Read): Promise<void> {
  let text = await Deno.readTextFile(path);
  if (isEncrypted(text)) text = (read.vault ?? new Vault()).decrypt(text, { file: path, line: 1, col: 1 });
  readInventoryFile(path, text, read.data, read.vault);
  read.files.push(path);
}

const layerOf = (node: GroupNode | HostNode): VarsLayer => ({ vars: node.vars, positions: node.positions });

interface Read {
  data: InventoryData;
  /** Inventory files read, in order. */
  files: string[];
  /** For each file or directory source, in order: the directory of its group_vars/ and host_vars/. */
  dirs: VarsDirectory[];
  vault?: Vault;
}

/** Reads every source into one `InventoryData`, then applies Ansible's rules. */
async function readSources(sources: string[], vault?: Vault): Promise<Read> {
  const read: Read = { data: new InventoryData(), files: [], dirs: [], vault };
  const dirByPath = new Map<string, VarsDirectory>();
  for (const source of sources) {
    const info = await statOf(source);
    if (!info) {
      if (source.includes(",")) {
        readHostList(source, read.data);
        continue;
      }
      throw new InventoryError(`Inventory source not found: ${source}`, undefined, {
        hint: "Pass an inventory file, a directory of inventory files, or a comma-separated list of hosts",
      });
    }
    if (info.isDirectory) await readDirectory(source, read);
    else await readFile(source, info, read);
    const dir = info.isDirectory ? source : dirname(source);
    if (!dirByPath.has(dir)) dirByPath.set(dir, new VarsDirectory(dir, vault));
    read.dirs.push(dirByPath.get(dir)!);
  }
  read.data.reconcile();
  return read;
}

/** Every host with its variables merged in Ansible's order (`precedence.ts`). */
function mergedHosts({ data, dirs }: Read, extra?: VarsLayer): Map<string, InventoryHost> {
  const all = data.groups.get("all")!;
  const allFiles = dirs.map((d) => d.vars("group", "all"));
  const ancestors = new Map([...data.groups.values()].map((g) => [g, g.ancestors()]));
  // Hosts in the same groups share the sorting of those groups.
  const sortedByMembership = new Map<string, GroupNode[]>();
  const hosts = new Map<string, InventoryHost>();
  for (const node of data.hosts.values()) {
    const key = node.groups.map((g) => g.name).join("\0");
    let sorted = sortedByMembership.get(key);
    if (!sorted) {
      const closure = new Set<GroupNode>();
      for (const g of node.groups) {
        closure.add(g);
        for (const a of ancestors.get(g)!) closure.add(a);
      }
      sorted = sortGroups(closure);
      sortedByMembership.set(key, sorted);
    }
    const others = sorted.filter((g) => g !== all);
    const merged = mergeLayers(hostVarLayers({
      all: layerOf(all),
      groups: others.map(layerOf),
      allFiles,
      groupFiles: dirs.map((d) => others.map((g) => d.vars("group", g.name))),
      host: layerOf(node),
      hostFiles: dirs.map((d) => d.vars("host", node.name)),
      extra,
    }));
    hosts.set(node.name, {
      name: node.name,
      vars: merged.vars,
      groups: sorted.map((g) => g.name),
      positions: merged.positions,
    });
  }
  return hosts;
}

/** Every group with its own variables: inventory files, then each source's group_vars/. */
function groupsOf({ data, dirs }: Read): Map<string, InventoryGroup> {
  const groups = new Map<string, InventoryGroup>();
  for (const g of data.groups.values()) {
    const own = mergeLayers([layerOf(g), ...dirs.map((d) => d.vars("group", g.name))]);
    groups.set(g.name, {
      name: g.name,
      hosts: g.hosts.map((h) => h.name),
      children: g.children.map((c) => c.name),
      vars: own.vars,
      positions: own.positions,
      priority: g.priority,
      depth: g.depth,
    });
  }
  return groups;
}

/**
 * Ansible's implicit localhost: in no group, with `all`'s variables, `group_vars/all`,
 * `ansible_connection: local`, then `host_vars/localhost` and extra variables.
 */
function implicitLocalhost({ data, dirs }: Read, extra?: VarsLayer): InventoryHost {
  const merged = mergeLayers(hostVarLayers({
    all: layerOf(data.groups.get("all")!),
    groups: [],
    allFiles: dirs.map((d) => d.vars("group", "all")),
    groupFiles: [],
    host: { vars: { ansible_connection: "local" }, positions: {} },
    hostFiles: dirs.map((d) => d.vars("host", "localhost")),
    extra,
  }));
  return { name: "localhost", vars: merged.vars, groups: [], positions: merged.positions, implicit: true };
}

/**
 * Loads an inventory. Each source is an inventory file (YAML, INI or TOML; an executable
 * file is an inventory script, run with `--list`), a directory of them
 * (read as Ansible reads one: sorted, recursively, skipping hidden files and the
 * extensions `~ .orig .bak .ini .cfg .retry .pyc .pyo .swp .rpm .md .txt .rst`), or an
 * inline comma-separated host list. Throws `InventoryError` with file, line and column.
 *
 * @example
 * ```ts ignore
 * import { loadInventory } from "./load.ts";
 * const inventory = await loadInventory(["inventories/prod"], { extraVars: { flame_enable: true } });
 * inventory.hosts.get("web1")?.vars;
 * ```
 */
export async function loadInventory(
  sources: string[],
  options: LoadInventoryOptions = {},
): Promise<Inventory> {
  const read = await readSources(sources, options.vault);
  const extra = options.extraVars ? { vars: options.extraVars, positions: {} } : undefined;
  const hasLocalhost = [...read.data.hosts.keys()].some((name) => LOCALHOST_NAMES.includes(name));
  return {
    hosts: mergedHosts(read, extra),
    groups: groupsOf(read),
    sources: read.files,
    warnings: read.data.warnings,
    localhost: hasLocalhost ? undefined : implicitLocalhost(read, extra),
  };
}
