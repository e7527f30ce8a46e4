import { fileURLToPath } from "node:url";
import { MusterError } from "../engine/errors.ts";
import { type ConnectionDefaults, connectionOf } from "../inventory/connection.ts";
import { loadInventory } from "../inventory/load.ts";
import { selectHosts } from "../inventory/patterns.ts";
import { templatedVars } from "../inventory/templated.ts";
import type { Inventory, InventoryHost } from "../inventory/types.ts";
import type { Connection } from "../transport/transport.ts";
import type { App } from "../app/app.ts";
import { loadApp } from "../app/load.ts";
import { type AppSpec, appSpec, type SpecFlags, stampOf, type Target } from "../app/spec.ts";
import type { Emit } from "../engine/events.ts";
import type { CommonOptions } from "./options.ts";

export type { Target };

/** The built-in inventory: this machine, without SSH. */
export const LOCAL_INVENTORY = fileURLToPath(new URL("../../inventories/local.yaml", import.meta.url));

/**
 * Loads the inventory (or the built-in one) and selects the hosts of `--limit`, telling
 * Ansible's warnings once. No host selected is not an error: the command has nothing to do
 * (as `ansible-playbook` with "no hosts matched"). A host whose connection variables cannot
 * be used is still a target: connecting to it fails with the reason, the others go on.
 */
export async function loadTargets(
  options: CommonOptions,
): Promise<{ inventory: Inventory; targets: Target[] }> {
  const sources = options.inventory.length ? options.inventory : [LOCAL_INVENTORY];
  const inventory = await loadInventory(sources, { extraVars: options.extraVars, vault: options.vault });
  for (const text of inventory.warnings ?? []) options.emit?.({ type: "message", level: "warn", text });
  const hosts = selectHosts(inventory, options.limit);
  if (hosts.length === 0) {
    options.emit?.({
      type: "message",
      level: "warn",
      text: options.limit === undefined
        ? "No hosts matched: the inventory has no hosts; nothing to do"
        : `No hosts matched the limit '${options.limit}'; nothing to do`,
    });
  }
  return {
    inventory,
    targets: hosts.map((host) => ({
      host,
      connection: usableConnectionOf(host, inventory, options.connectionDefaults),
    })),
  };
}

/** The host's connection, its `ansible_*` templates evaluated; throws what is wrong with them. */
export function evaluatedConnectionOf(
  host: InventoryHost,
  inventory: Inventory,
  defaults?: ConnectionDefaults,
): Connection {
  const vars = templatedVars(host, inventory);
  const evaluated = Object.fromEntries(
    Object.keys(host.vars).map((name) => [name, name.startsWith("ansible_") ? vars[name] : host.vars[name]]),
  );
  return connectionOf({ ...host, vars: evaluated }, defaults);
}

/** The host's connection, or one that fails to connect with why its variables cannot be used. */
export function usableConnectionOf(
  host: InventoryHost,
  inventory: Inventory,
  defaults?: ConnectionDefaults,
): Connection {
  try {
    return evaluatedConnectionOf(host, inventory, defaults);
  } catch (error) {
    if (!(error instanceof MusterError)) throw error;
    const address = typeof host.vars.ansible_host === "string" ? host.vars.ansible_host : host.name;
    return {
      name: host.name,
      kind: "ssh",
      address,
      port: 22,
      become: false,
      becomeUser: "root",
      unusable: error,
    };
  }
}

/** What a command on the app's hosts starts from. */
export interface CommandStart {
  /** When the command started: its report's start, and the stamp of its specs. */
  startedAt: Date;
  /** The command's listener; without one, events are dropped. */
  emit: Emit;
  app: App;
  inventory: Inventory;
  targets: Target[];
  /** Each target's wanted state, from the command's options or from `flags` where they differ. */
  specs(flags?: SpecFlags): AppSpec[];
}

/** Starts a command on the app's hosts: its clock, its listener, the app and the selected targets. */
export async function startCommand(options: CommonOptions & SpecFlags): Promise<CommandStart> {
  const startedAt = new Date();
  const emit: Emit = options.emit ?? (() => {});
  const app = await appOf(options);
  const { inventory, targets } = await loadTargets(options);
  const stamp = stampOf(startedAt);
  return {
    startedAt,
    emit,
    app,
    inventory,
    targets,
    specs: (flags = options) => targets.map((target) => appSpec(app, inventory, target, flags, { stamp })),
  };
}

/** The application a command works on (`--app`, default `flame`). */
export function appOf(options: { app?: string }): Promise<App> {
  return loadApp(options.app ?? "flame");
}
