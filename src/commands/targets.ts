import { fileURLToPath } from "node:url";
import { UsageError } from "../engine/errors.ts";
import { connectionOf } from "../inventory/connection.ts";
import { loadInventory } from "../inventory/load.ts";
import { selectHosts } from "../inventory/patterns.ts";
import type { Inventory } from "../inventory/types.ts";
import type { App } from "../app/app.ts";
import { loadApp } from "../app/load.ts";
import type { Target } from "../app/spec.ts";
import type { CommonOptions } from "./options.ts";

export type { Target };

/** The built-in inventory: this machine, without SSH. */
export const LOCAL_INVENTORY = fileURLToPath(new URL("../../inventories/local.yaml", import.meta.url));

/** Loads the inventory (or the built-in one) and selects the hosts of `--limit`. */
export async function loadTargets(
  options: CommonOptions,
): Promise<{ inventory: Inventory; targets: Target[] }> {
  const sources = options.inventory.length ? options.inventory : [LOCAL_INVENTORY];
  const inventory = await loadInventory(sources, { extraVars: options.extraVars });
  const hosts = selectHosts(inventory, options.limit);
  if (hosts.length === 0) throw new UsageError("No hosts selected: the inventory has no hosts");
  return {
    inventory,
    targets: hosts.map((host) => ({ host, connection: connectionOf(host, options.connectionDefaults) })),
  };
}

/** The application a command works on (`--app`, default `flame`). */
export function appOf(options: { app?: string }): Promise<App> {
  return loadApp(options.app ?? "flame");
}
