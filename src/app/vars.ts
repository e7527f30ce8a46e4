/**
 * An application's variables of a host: those with the app's prefix (`flame_*`), checked
 * against their declarations and typed, with the declared defaults. A variable with the
 * prefix that the app does not declare is an error with a "did you mean"; a bad value is an
 * error at the place it was set.
 */
import { z } from "zod";
import { InventoryError } from "../engine/errors.ts";
import { parseBoolean } from "../inventory/connection.ts";
import { numberOf } from "../inventory/float.ts";
import { templatedVars } from "../inventory/templated.ts";
import { revealVaultValues } from "../inventory/vault.ts";
import { didYouMean } from "../inventory/suggest.ts";
import type { Inventory, InventoryHost } from "../inventory/types.ts";
import type { App } from "./app.ts";
import type { VariableDecl } from "./definition.ts";

function isUrl(text: string): boolean {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/\s]/i.test(text)) return false;
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}

/** A list as Ansible's templating would see it: a list, a JSON/Python-style list string, or comma-separated. */
function listOf(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const text = value.trim();
  if (text.startsWith("[") && text.endsWith("]")) {
    try {
      return JSON.parse(text.replaceAll("'", '"'));
    } catch {
      return value;
    }
  }
  return text.split(",").map((item) => item.trim()).filter((item) => item !== "");
}

/** The zod schema of one declared variable. */
export function schemaOf(decl: VariableDecl): z.ZodType {
  switch (decl.type) {
    case "string":
      return z.preprocess((v) => numberOf(v) !== undefined ? String(v) : v, z.string());
    case "path":
      return z.string().refine((p) => p.startsWith("/"));
    case "url":
      return z.string().refine(isUrl);
    case "name":
      return z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/);
    case "bool":
      return z.preprocess((v) => parseBoolean(v) ?? v, z.boolean());
    case "int":
      return z.preprocess(
        (v) => typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : numberOf(v) ?? v,
        z.number().int(),
      );
    case "dict":
      return z.record(z.string(), z.unknown());
    case "list": {
      const item = decl.choices ? z.enum(decl.choices as [string, ...string[]]) : z.unknown();
      const list = decl.non_empty ? z.array(item).min(1) : z.array(item);
      return z.preprocess(listOf, list);
    }
  }
}

/** What a good value of a declared variable looks like, for errors. */
export function expected(decl: VariableDecl): string {
  switch (decl.type) {
    case "string":
      return "a string";
    case "path":
      return "an absolute path (a string starting with '/')";
    case "url":
      return `a URL such as '${decl.example ?? "http://10.0.0.1:8080"}'`;
    case "name":
      return "a name of letters, digits, '.', '_' and '-'";
    case "bool":
      return "a boolean (true/false, yes/no)";
    case "int":
      return "a whole number";
    case "dict":
      return "a mapping";
    case "list":
      return `a ${decl.non_empty ? "non-empty " : ""}list${
        decl.choices ? ` of ${decl.choices.map((c) => `'${c}'`).join(", ")}` : ""
      }`;
  }
}

const cache = new WeakMap<App, WeakMap<Inventory, WeakMap<InventoryHost, Record<string, unknown>>>>();

/**
 * The app's variables of a host, by full name: those set (typed) and the declared defaults
 * of those that are not; a variable with neither is absent. Throws `InventoryError` for an
 * unknown `PREFIX*` variable (with a suggestion) or a bad value, at the file, line and
 * column where it was set.
 */
export function appVarsOf(app: App, host: InventoryHost, inventory: Inventory): Record<string, unknown> {
  let byInventory = cache.get(app);
  if (!byInventory) cache.set(app, byInventory = new WeakMap());
  let known = byInventory.get(inventory);
  if (!known) byInventory.set(inventory, known = new WeakMap());
  const cached = known.get(host);
  if (cached) return cached;

  const declared = app.definition.vars;
  const prefix = app.definition.vars_prefix;
  const names = Object.keys(declared).map((short) => prefix + short);
  const result: Record<string, unknown> = {};
  const evaluated = templatedVars(host, inventory);
  for (const name of Object.keys(host.vars)) {
    if (!name.startsWith(prefix)) continue;
    const decl = declared[name.slice(prefix.length)];
    if (!decl) {
      throw new InventoryError(
        `Unknown ${app.title} variable '${name}' for host '${host.name}'${didYouMean(name, names)}`,
        host.positions?.[name],
        { hint: `${app.title} variables are ${names.join(", ")} (muster apps ${app.name})` },
      );
    }
    // An empty value (`flame_prefix:`) means "not set", as for Ansible's defaults.
    if (host.vars[name] === null) continue;
    // Jinja2 in the value is evaluated now that it is used.
    const value = evaluated[name];
    // A vault-encrypted value is used decrypted (and masked wherever muster shows it).
    const parsed = schemaOf(decl).safeParse(revealVaultValues(value));
    if (!parsed.success) {
      throw new InventoryError(
        `Invalid ${name} for host '${host.name}': expected ${expected(decl)}, got ${JSON.stringify(value)}`,
        host.positions?.[name],
      );
    }
    result[name] = parsed.data;
  }
  for (const [short, decl] of Object.entries(declared)) {
    if (!(prefix + short in result) && decl.default !== undefined) {
      result[prefix + short] = structuredClone(decl.default);
    }
  }
  known.set(host, result);
  return result;
}
