/**
 * The Flame variables of an inventory (all optional): `flame_prefix`, `flame_profiles`,
 * `flame_cluster_name`, `flame_endpoint`, `flame_cache_endpoint`, `flame_systemd`,
 * `flame_enable`. A `flame_*` variable muster does not know is an error with a "did you
 * mean"; a bad value is an error at the place the variable was set.
 */

import { z } from "zod";
import { InventoryError } from "../engine/errors.ts";
import { parseBoolean } from "./connection.ts";
import { didYouMean } from "./suggest.ts";
import type { Inventory, InventoryHost } from "./types.ts";

/** The Flame profiles a host can run. */
export const FLAME_PROFILES = ["control-plane", "worker", "cache", "client"] as const;

function isUrl(text: string): boolean {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/\s]/i.test(text)) return false;
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}

/** Booleans as Ansible's `bool` filter reads them: `true`, `"yes"`, `"on"`, `1`, ... */
const boolish = z.preprocess((v) => parseBoolean(v) ?? v, z.boolean());

/** A list of profiles; a single name or a comma-separated string (as INI files give) also works. */
const profiles = z.preprocess(
  (v) => typeof v === "string" ? v.split(",").map((p) => p.trim()).filter((p) => p !== "") : v,
  z.array(z.enum(FLAME_PROFILES)).min(1),
);

/** The schema of the Flame variables. */
export const flameVarsSchema = z.object({
  flame_prefix: z.string().refine((p) => p.startsWith("/")).optional(),
  flame_profiles: profiles.default([...FLAME_PROFILES]),
  flame_cluster_name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/).default("flame"),
  flame_endpoint: z.string().refine(isUrl).optional(),
  flame_cache_endpoint: z.string().refine(isUrl).optional(),
  flame_systemd: boolish.optional(),
  flame_enable: boolish.optional(),
});

/** The Flame variables of a host, checked and typed. */
export type FlameVars = z.infer<typeof flameVarsSchema>;

/** The Flame variable names muster knows. */
export const FLAME_VAR_NAMES = Object.keys(flameVarsSchema.shape);

const EXPECTED: Record<string, string> = {
  flame_prefix: "an absolute path (a string starting with '/')",
  flame_profiles: `a non-empty list of ${FLAME_PROFILES.map((p) => `'${p}'`).join(", ")}`,
  flame_cluster_name: "a name of letters, digits, '.', '_' and '-'",
  flame_endpoint: "a URL such as 'http://10.0.0.1:8080'",
  flame_cache_endpoint: "a URL such as 'grpc://10.0.0.1:9090'",
  flame_systemd: "a boolean (true/false, yes/no)",
  flame_enable: "a boolean (true/false, yes/no)",
};

const cache = new WeakMap<Inventory, WeakMap<InventoryHost, FlameVars>>();

/**
 * The Flame variables of a host, with `flame_profiles` defaulting to all four and
 * `flame_cluster_name` to "flame"; the endpoints stay undefined unless set. Throws
 * `InventoryError` for an unknown `flame_*` variable (with a suggestion) or a bad value,
 * at the file, line and column where the variable was set.
 *
 * @example
 * ```ts
 * import { flameVarsOf } from "./flame_vars.ts";
 * const host = { name: "w1", groups: ["all"], vars: { flame_profiles: ["worker"], flame_enable: "yes" } };
 * flameVarsOf(host, { hosts: new Map([["w1", host]]), groups: new Map(), sources: [] });
 * // => { flame_profiles: ["worker"], flame_cluster_name: "flame", flame_enable: true }
 * ```
 */
export function flameVarsOf(host: InventoryHost, inventory: Inventory): FlameVars {
  let known = cache.get(inventory);
  if (!known) {
    known = new WeakMap();
    cache.set(inventory, known);
  }
  const cached = known.get(host);
  if (cached) return cached;

  const input: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(host.vars)) {
    if (!name.startsWith("flame_")) continue;
    if (!FLAME_VAR_NAMES.includes(name)) {
      throw new InventoryError(
        `Unknown Flame variable '${name}' for host '${host.name}'${didYouMean(name, FLAME_VAR_NAMES)}`,
        host.positions?.[name],
        { hint: `Flame variables are ${FLAME_VAR_NAMES.join(", ")}` },
      );
    }
    // An empty value (`flame_prefix:`) means "not set", as for Ansible's defaults.
    if (value !== null) input[name] = value;
  }
  const result = flameVarsSchema.safeParse(input);
  if (!result.success) {
    const name = String(result.error.issues[0].path[0]);
    throw new InventoryError(
      `Invalid ${name} for host '${host.name}': expected ${EXPECTED[name]}, got ${
        JSON.stringify(input[name])
      }`,
      host.positions?.[name],
    );
  }
  known.set(host, result.data);
  return result.data;
}
