/**
 * The inventory as Ansible's parsers build it (Ansible's `InventoryData`): groups with
 * their hosts, children and own variables, hosts with theirs, the implicit `all` and
 * `ungrouped`, and the rules applied once every source is read (`reconcile`). The INI
 * and YAML parsers fill it; `load.ts` turns it into an `Inventory`.
 */

import { InventoryError, type SourcePosition } from "../engine/errors.ts";
import { numberOf } from "./float.ts";
import { setKey } from "./yaml_positions.ts";

/** A group being built. */
export class GroupNode {
  /** Hosts listed directly, in the order they were added. */
  readonly hosts: HostNode[] = [];
  readonly hostNames = new Set<string>();
  /** Child groups, in the order they were added. */
  readonly children: GroupNode[] = [];
  readonly parents: GroupNode[] = [];
  /** Variables set on the group in inventory files. */
  readonly vars: Record<string, unknown> = {};
  /** Where each of `vars` was set. */
  readonly positions: Record<string, SourcePosition> = {};
  /** `ansible_group_priority`. @default 1 */
  priority = 1;
  /** Longest distance from `all`, computed by `reconcile`. */
  depth = 0;
  constructor(readonly name: string, readonly declared?: SourcePosition) {}

  /** Every group above this one (parents, their parents, ...). */
  ancestors(): Set<GroupNode> {
    const seen = new Set<GroupNode>();
    const todo = [...this.parents];
    while (todo.length > 0) {
      const g = todo.pop()!;
      if (seen.has(g)) continue;
      seen.add(g);
      todo.push(...g.parents);
    }
    return seen;
  }
}

/** A host being built. */
export class HostNode {
  /** Groups the host was added to directly. */
  readonly groups: GroupNode[] = [];
  /** Variables set on the host in inventory files. */
  readonly vars: Record<string, unknown> = {};
  /** Where each of `vars` was set. */
  readonly positions: Record<string, SourcePosition> = {};
  constructor(readonly name: string, readonly declared?: SourcePosition) {}

  /** Every group the host is in, directly or through a parent group. */
  allGroups(): Set<GroupNode> {
    const all = new Set<GroupNode>();
    for (const g of this.groups) {
      all.add(g);
      for (const a of g.ancestors()) all.add(a);
    }
    return all;
  }
}

/** Python's `int()` of an inventory value, or undefined when Python would raise. */
function pythonInt(value: unknown): number | undefined {
  if (typeof value === "boolean") return value ? 1 : 0;
  const n = numberOf(value);
  if (n !== undefined) return Number.isFinite(n) ? Math.trunc(n) : undefined;
  if (typeof value === "string" && /^\s*[-+]?[0-9]+(?:_[0-9]+)*\s*$/.test(value)) {
    return parseInt(value.trim().replaceAll("_", ""), 10);
  }
  return undefined;
}

/**
 * Characters Ansible finds invalid in a group name (its `INVALID_VARIABLE_NAMES`,
 * `^[\d\W]|[^\w]`): anything but letters, digits and `_`, or a leading digit.
 */
const INVALID_GROUP_CHARS = /^\p{Nd}|[^\p{L}\p{N}_]/u;

/** What Ansible warns (once) when a group name has such characters; it keeps the name. */
export const INVALID_GROUP_WARNING =
  "Invalid characters were found in group names but not replaced, use -vvvv to see details";

/** Groups and hosts of an inventory, built source by source. */
export class InventoryData {
  readonly groups = new Map<string, GroupNode>();
  readonly hosts = new Map<string, HostNode>();
  /** Ansible's warnings about what was read, each once, in the order they arose. */
  readonly #warnings = new Set<string>();

  constructor() {
    this.addGroup("all");
    this.addGroup("ungrouped");
    this.addChild("all", "ungrouped");
  }

  /** Ansible's warnings so far, each once. */
  get warnings(): string[] {
    return [...this.#warnings];
  }

  /** Records a warning (a warning given twice is kept once, as Ansible shows it once). */
  warn(message: string): void {
    this.#warnings.add(message);
  }

  /** Adds a group if it is not there yet, and returns it. */
  addGroup(name: string, at?: SourcePosition): GroupNode {
    let group = this.groups.get(name);
    if (!group) {
      if (name === "") throw new InventoryError("Invalid empty group name", at);
      if (INVALID_GROUP_CHARS.test(name)) this.warn(INVALID_GROUP_WARNING);
      group = new GroupNode(name, at);
      this.groups.set(name, group);
    }
    return group;
  }

  /**
   * Adds a host if it is not there yet (setting `ansible_port` from `port` only then, as
   * Ansible does) and puts it in `group`.
   */
  addHost(name: string, group?: string, port?: number, at?: SourcePosition): HostNode {
    if (name === "") throw new InventoryError("Invalid empty host name", at);
    let host = this.hosts.get(name);
    if (!host) {
      host = new HostNode(name, at);
      this.hosts.set(name, host);
      if (port !== undefined) this.#set(host, "ansible_port", port, at);
    }
    if (group !== undefined) {
      const g = this.groups.get(group);
      if (!g) throw new InventoryError(`Unknown group: ${group}`, at);
      this.#addHostTo(g, host);
    }
    return host;
  }

  #addHostTo(group: GroupNode, host: HostNode): void {
    if (group.hostNames.has(host.name)) return;
    group.hosts.push(host);
    group.hostNames.add(host.name);
    if (!host.groups.includes(group)) host.groups.push(group);
  }

  #set(target: GroupNode | HostNode, key: string, value: unknown, at?: SourcePosition): void {
    setKey(target.vars, key, value);
    if (at) target.positions[key] = at;
    else delete target.positions[key];
  }

  /**
   * Sets a variable on a group or, if there is no group of that name, on a host (Ansible
   * looks groups up first). `ansible_group_priority` sets the group's priority instead.
   */
  setVariable(entity: string, key: string, value: unknown, at?: SourcePosition): void {
    const group = this.groups.get(entity);
    if (group) {
      if (key === "ansible_group_priority") {
        const priority = pythonInt(value);
        if (priority === undefined) {
          throw new InventoryError(
            `Invalid ansible_group_priority for group '${entity}': expected an integer, got ${
              JSON.stringify(value)
            }`,
            at,
          );
        }
        group.priority = priority;
        return;
      }
      this.#set(group, key, value, at);
      return;
    }
    const host = this.hosts.get(entity);
    if (!host) throw new InventoryError(`Unknown group or host: ${entity}`, at);
    this.#set(host, key, value, at);
  }

  /** Makes `child` a child group of `parent`; a cycle is an error that names it. */
  addChild(parent: string, child: string, at?: SourcePosition): void {
    const p = this.groups.get(parent);
    const c = this.groups.get(child);
    if (!p) throw new InventoryError(`Unknown group: ${parent}`, at);
    if (!c) throw new InventoryError(`Unknown group: ${child}`, at);
    if (p === c) throw new InventoryError(`Group '${child}' cannot be a child of itself`, at);
    if (p.children.includes(c)) return;
    if (p.ancestors().has(c)) {
      const cycle = [...this.#pathDown(c, p).map((g) => g.name), c.name];
      throw new InventoryError(
        `Adding group '${child}' as a child of '${parent}' creates a cycle: ${cycle.join(" -> ")}`,
        at,
        { hint: "A group cannot be its own ancestor: remove one of these children entries" },
      );
    }
    p.children.push(c);
    if (!c.parents.some((g) => g.name === p.name)) c.parents.push(p);
  }

  /** The chain of groups from `from` down to `to` through children. */
  #pathDown(from: GroupNode, to: GroupNode): GroupNode[] {
    const previous = new Map<GroupNode, GroupNode>();
    const queue = [from];
    while (queue.length > 0) {
      const g = queue.shift()!;
      if (g === to) break;
      for (const child of g.children) {
        if (!previous.has(child) && child !== from) {
          previous.set(child, g);
          queue.push(child);
        }
      }
    }
    const path = [to];
    while (path[0] !== from) path.unshift(previous.get(path[0])!);
    return path;
  }

  /**
   * Applies Ansible's rules once every source is read: groups without a parent become
   * children of `all`; hosts in no group go to `ungrouped`, hosts in another group leave
   * it. Then computes each group's depth (its longest distance from `all`).
   */
  reconcile(): void {
    const all = this.groups.get("all")!;
    const ungrouped = this.groups.get("ungrouped")!;
    for (const group of this.groups.values()) {
      if (group !== all && group.ancestors().size === 0) this.addChild("all", group.name);
    }
    for (const host of this.hosts.values()) {
      const groups = host.allGroups();
      if (groups.has(ungrouped)) {
        if ([...groups].some((g) => g !== all && g !== ungrouped)) {
          ungrouped.hosts.splice(ungrouped.hosts.indexOf(host), 1);
          ungrouped.hostNames.delete(host.name);
          host.groups.splice(host.groups.indexOf(ungrouped), 1);
        }
      } else if (groups.size === 0 || (groups.size === 1 && groups.has(all))) {
        this.#addHostTo(ungrouped, host);
      }
    }
    const depth = new Map<GroupNode, number>();
    const depthOf = (g: GroupNode): number => {
      const known = depth.get(g);
      if (known !== undefined) return known;
      depth.set(g, 0);
      const d = g.parents.length === 0 ? 0 : Math.max(...g.parents.map((p) => depthOf(p) + 1));
      depth.set(g, d);
      return d;
    };
    for (const g of this.groups.values()) g.depth = depthOf(g);
    for (const host of this.hosts.keys()) {
      if (this.groups.has(host)) this.warn(`Found both group and host with same name: ${host}`);
    }
  }
}

/** Groups in Ansible's variable order: by depth, then priority, then name. */
export function sortGroups(groups: Iterable<GroupNode>): GroupNode[] {
  return [...groups].sort((a, b) =>
    a.depth - b.depth || a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  );
}
