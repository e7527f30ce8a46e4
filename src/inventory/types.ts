/**
 * What muster makes of an inventory: hosts with their merged variables, and groups.
 * The loader (`load.ts`) builds it from Ansible's YAML or INI format.
 */

import type { SourcePosition } from "../engine/errors.ts";

/** One host with its variables merged in Ansible's order. */
export interface InventoryHost {
  /** Inventory hostname. */
  name: string;
  /** Merged variables (all, parent groups, child groups, host; then `-e`). */
  vars: Record<string, unknown>;
  /** Every group the host belongs to, directly or through children, `all` included. */
  groups: string[];
  /**
   * Where each variable of `vars` was set (the definition that won the merge); variables
   * from `-e` have none.
   */
  positions?: Record<string, SourcePosition>;
  /** True for Ansible's implicit `localhost`, which is in no group and not in `hosts`. */
  implicit?: boolean;
}

/** One group as written in the inventory. */
export interface InventoryGroup {
  name: string;
  /** Hosts listed directly in the group, in inventory order. */
  hosts: string[];
  /** Child group names, in inventory order. */
  children: string[];
  /** The group's own variables (not merged): inventory files, then `group_vars/`. */
  vars: Record<string, unknown>;
  /** Where each variable of `vars` was set. */
  positions?: Record<string, SourcePosition>;
  /** `ansible_group_priority` as set in an inventory file. @default 1 */
  priority?: number;
  /** Longest distance from `all` (`all` is 0), which orders variable merging. */
  depth?: number;
}

/** A loaded inventory. */
export interface Inventory {
  /**
   * Hosts in the order they first appear in the sources (Ansible's own inventory order).
   * `selectHosts(inventory)` gives them in the order `ansible all --list-hosts` prints.
   */
  hosts: Map<string, InventoryHost>;
  /** Groups by name, `all` and `ungrouped` included. */
  groups: Map<string, InventoryGroup>;
  /** The files the inventory was read from. */
  sources: string[];
  /**
   * Ansible's warnings about the inventory (each once, in Ansible's words, such as
   * `Invalid characters were found in group names but not replaced, ...`), for the CLI
   * to print on stderr (`ansibleWarning`).
   */
  warnings?: string[];
  /**
   * Ansible's implicit `localhost` (connection `local`), used when a pattern names
   * `localhost` and the inventory does not define it. Absent when it does.
   */
  localhost?: InventoryHost;
}
