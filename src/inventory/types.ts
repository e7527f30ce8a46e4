/**
 * What muster makes of an inventory: hosts with their merged variables, and groups.
 * The loader (`load.ts`) builds it from Ansible's YAML or INI format.
 */

/** One host with its variables merged in Ansible's order. */
export interface InventoryHost {
  /** Inventory hostname. */
  name: string;
  /** Merged variables (all, parent groups, child groups, host; then `-e`). */
  vars: Record<string, unknown>;
  /** Every group the host belongs to, directly or through children, `all` included. */
  groups: string[];
}

/** One group as written in the inventory. */
export interface InventoryGroup {
  name: string;
  /** Hosts listed directly in the group, in inventory order. */
  hosts: string[];
  /** Child group names, in inventory order. */
  children: string[];
  /** The group's own variables (not merged). */
  vars: Record<string, unknown>;
}

/** A loaded inventory. */
export interface Inventory {
  /** Hosts in the order Ansible lists them. */
  hosts: Map<string, InventoryHost>;
  /** Groups by name, `all` and `ungrouped` included. */
  groups: Map<string, InventoryGroup>;
  /** The files the inventory was read from. */
  sources: string[];
}
