/**
 * The wanted state of an application on one host, from the command line, the inventory and
 * the definition. Precedence: command line, then the host's variables (with `-e` on top),
 * then topology defaults (the app's module), then the environment override and the defaults.
 */
import { MusterError, UsageError } from "../engine/errors.ts";
import { connectionOf } from "../inventory/connection.ts";
import type { Inventory, InventoryHost } from "../inventory/types.ts";
import type { Connection } from "../transport/transport.ts";
import type { App, TopologyHost } from "./app.ts";
import { checkPrefix } from "./prefix.ts";
import { templatedVars } from "../inventory/templated.ts";
import { overlay } from "../template/render.ts";
import { appVarsOf } from "./vars.ts";

/** The wanted state of an app on one host. */
export interface AppSpec {
  app: App;
  /** Absolute installation prefix. */
  prefix: string;
  profiles: string[];
  /** Install systemd units. */
  systemd: boolean;
  /** Enable and start the services. */
  enable: boolean;
  /** Back up, remove and reinstall. */
  clean: boolean;
  /** The user that owns a system-wide installation and runs the services. */
  serviceUser: string;
  /** Seconds to wait for a service to become ready. @default 30 */
  readyTimeoutS: number;
  /** Timestamp used in backup directory names (`YYYYMMDD-HHMMSS`). */
  stamp: string;
  /** What templates see: the host's variables, the app's resolved ones on top. */
  vars: Record<string, unknown>;
}

/** What the command line says about the wanted state; undefined leaves it to the inventory. */
export interface SpecFlags {
  prefix?: string;
  systemd?: boolean;
  enable?: boolean;
  clean?: boolean;
  /** Seconds to wait for a service to become ready. @default 30 */
  readyTimeout?: number;
}

/** The default prefix: the app's environment override (`FLAME_PREFIX`), else its default. */
export function defaultPrefix(app: App, env: { get(key: string): string | undefined } = Deno.env): string {
  const override = app.definition.prefix.env;
  return (override && env.get(override)) || app.definition.prefix.default;
}

/** A selected host with how to reach it. */
export interface Target {
  host: InventoryHost;
  connection: Connection;
}

/** The wanted state of the app on a host. */
export function appSpec(
  app: App,
  inventory: Inventory,
  target: Target,
  flags: SpecFlags,
  context: { stamp: string; env?: { get(key: string): string | undefined } },
): AppSpec {
  const name = app.varName.bind(app);
  const vars = {
    ...topologyDefaults(app, inventory, target.host),
    ...appVarsOf(app, target.host, inventory),
  };
  const prefix = checkPrefix(
    (flags.prefix ?? vars[name("prefix")] ?? defaultPrefix(app, context.env)) as string,
  );
  const systemd = flags.systemd ?? (vars[name("systemd")] as boolean | undefined) ?? true;
  const enable = flags.enable ?? (vars[name("enable")] as boolean | undefined) ?? false;
  if (enable && !systemd) {
    throw new UsageError(
      `Conflicting options for ${target.host.name}: --enable needs systemd, but it is off`,
      { hint: `drop --no-systemd (or ${name("systemd")}: false), or drop --enable` },
    );
  }
  const profiles = (vars[app.profilesVar] as string[] | undefined) ?? app.profiles;
  return {
    app,
    prefix,
    profiles,
    systemd,
    enable,
    clean: flags.clean ?? false,
    serviceUser: app.definition.user.name,
    readyTimeoutS: flags.readyTimeout ?? 30,
    stamp: context.stamp,
    // The host's variables evaluated when a template uses them (getters), the app's on top.
    vars: overlay(templatedVars(target.host, inventory, context.env), {
      ...vars,
      inventory_hostname: target.host.name,
      [name("prefix")]: prefix,
      [name("systemd")]: systemd,
      [name("enable")]: enable,
      [app.profilesVar]: profiles,
    }),
  };
}

/** The app module's topology defaults for a host; empty without a module. */
function topologyDefaults(app: App, inventory: Inventory, host: InventoryHost): Record<string, unknown> {
  const topology = app.module.topology;
  if (!topology) return {};
  const hosts = [...inventory.hosts.values()].map((other) => topologyHost(app, inventory, other));
  const self = hosts.find((other) => other.name === host.name) ?? topologyHost(app, inventory, host);
  return topology({ host: self, hosts });
}

function topologyHost(app: App, inventory: Inventory, host: InventoryHost): TopologyHost {
  const vars = appVarsOf(app, host, inventory);
  let address: string | undefined;
  return {
    name: host.name,
    get address() {
      return address ??= addressOf(host);
    },
    profiles: (vars[app.profilesVar] as string[] | undefined) ?? app.profiles,
    vars,
    inventory: host,
  };
}

/** The address other hosts reach a host on; a host whose connection variables cannot be used, by its name. */
function addressOf(host: InventoryHost): string {
  try {
    return reachableAddress(connectionOf(host));
  } catch (error) {
    if (!(error instanceof MusterError)) throw error;
    return typeof host.vars.ansible_host === "string" ? host.vars.ansible_host : host.name;
  }
}

/** The address other hosts reach a connection on: loopback for a local one, brackets for IPv6. */
export function reachableAddress(connection: Connection): string {
  if (connection.kind === "local" || connection.address === "localhost") return "127.0.0.1";
  return connection.address.includes(":") ? `[${connection.address}]` : connection.address;
}

/** `YYYYMMDD-HHMMSS` in local time, for backup directory names. */
export function stampOf(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-` +
    `${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
}
