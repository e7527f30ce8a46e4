import { fileURLToPath } from "node:url";
import { UsageError } from "../engine/errors.ts";
import { connectionOf } from "../inventory/connection.ts";
import { flameVarsOf } from "../inventory/flame_vars.ts";
import { loadInventory } from "../inventory/load.ts";
import { selectHosts } from "../inventory/patterns.ts";
import type { Inventory, InventoryHost } from "../inventory/types.ts";
import { type Profile, PROFILES } from "../flame/components.ts";
import { checkPrefix } from "../flame/prefix.ts";
import { defaultPrefix, type FlameSpec } from "../flame/spec.ts";
import type { Connection } from "../transport/transport.ts";
import type { CommonOptions } from "./options.ts";

/** The built-in inventory: this machine, without SSH. */
export const LOCAL_INVENTORY = fileURLToPath(new URL("../../inventories/local.yaml", import.meta.url));

/** A selected host with how to reach it. */
export interface Target {
  host: InventoryHost;
  connection: Connection;
}

/** Loads the inventory (or the built-in one) and selects the hosts of `--limit`. */
export async function loadTargets(
  options: CommonOptions,
): Promise<{ inventory: Inventory; targets: Target[] }> {
  const sources = options.inventory.length ? options.inventory : [LOCAL_INVENTORY];
  const inventory = await loadInventory(sources, { extraVars: options.extraVars });
  const hosts = selectHosts(inventory, options.limit);
  if (hosts.length === 0) throw new UsageError("No hosts selected: the inventory has no hosts");
  return { inventory, targets: hosts.map((host) => ({ host, connection: connectionOf(host) })) };
}

/** What the command line says about the wanted state; undefined leaves it to the inventory. */
export interface SpecFlags {
  prefix?: string;
  systemd?: boolean;
  enable?: boolean;
  clean?: boolean;
  /** Seconds to wait for the session manager. @default 30 */
  readyTimeout?: number;
}

/**
 * The wanted Flame state of a host. Precedence: command line, then the host's variables
 * (with `-e` on top), then `FLAME_PREFIX` and the defaults.
 */
export function flameSpec(
  inventory: Inventory,
  target: Target,
  flags: SpecFlags,
  context: { stamp: string; env?: { get(key: string): string | undefined } },
): FlameSpec {
  const vars = flameVarsOf(target.host, inventory);
  const prefix = checkPrefix(flags.prefix ?? vars.flame_prefix ?? defaultPrefix(context.env));
  const systemd = flags.systemd ?? vars.flame_systemd ?? true;
  const enable = flags.enable ?? vars.flame_enable ?? false;
  if (enable && !systemd) {
    throw new UsageError(
      `Conflicting options for ${target.host.name}: --enable needs systemd, but it is off`,
      {
        hint: "drop --no-systemd (or flame_systemd: false), or drop --enable",
      },
    );
  }
  const profiles = (vars.flame_profiles ?? [...PROFILES]) as Profile[];
  const controlPlane = firstWith(inventory, "control-plane") ?? target;
  const cacheHost = firstWith(inventory, "cache") ?? controlPlane;
  return {
    prefix,
    profiles,
    clusterName: vars.flame_cluster_name ?? "flame",
    endpoint: vars.flame_endpoint ?? `http://${reachableAddress(controlPlane.connection)}:8080`,
    cacheEndpoint: vars.flame_cache_endpoint ?? `grpc://${reachableAddress(cacheHost.connection)}:9090`,
    systemd,
    enable,
    clean: flags.clean ?? false,
    serviceUser: "flame",
    readyTimeoutS: flags.readyTimeout ?? 30,
    stamp: context.stamp,
  };
}

function firstWith(inventory: Inventory, profile: Profile): Target | undefined {
  for (const host of inventory.hosts.values()) {
    const profiles = (flameVarsOf(host, inventory).flame_profiles ?? PROFILES) as readonly Profile[];
    if (profiles.includes(profile)) return { host, connection: connectionOf(host) };
  }
  return undefined;
}

function reachableAddress(connection: Connection): string {
  if (connection.kind === "local" || connection.address === "localhost") return "127.0.0.1";
  return connection.address.includes(":") ? `[${connection.address}]` : connection.address;
}
