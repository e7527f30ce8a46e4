/**
 * Ansible's TOML inventory format (its `toml` inventory plugin): each top-level table is
 * a group with `hosts` (a table of host patterns to tables of variables), `vars` and
 * `children` (a list of group names). Values keep their TOML types: floats stay floats
 * (`PyFloat`), dates and times become the ISO strings `ansible-inventory` prints.
 */

import { parse, TomlDate, TomlError } from "smol-toml";
import { InventoryError, type SourcePosition } from "../engine/errors.ts";
import { pyFloat } from "./float.ts";
import { expandHostPattern, HostPatternError } from "./host_range.ts";
import type { InventoryData } from "./inventory_data.ts";
import { isMapping } from "./yaml_values.ts";

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Python's `isoformat()` of the date, time or datetime a TOML date stands for. */
function isoformat(date: TomlDate): string {
  const text = date.toISOString();
  if (date.isDate()) return text;
  const m = /^(.*?)(?:\.(\d+))?(Z|[-+]\d\d:\d\d)?$/.exec(text)!;
  const micro = m[2] ? +m[2].padEnd(6, "0").slice(0, 6) : 0;
  const zone = m[3] === "Z" ? "+00:00" : m[3] ?? "";
  return m[1] + (micro ? "." + pad(micro, 6) : "") + zone;
}

/** A TOML value as Python's `tomllib` gives it, in muster's terms. */
function convert(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number") return pyFloat(value);
  if (value instanceof TomlDate) return isoformat(value);
  if (Array.isArray(value)) return value.map(convert);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, {
        value: convert(v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

function pythonType(value: unknown): string {
  if (Array.isArray(value)) return "<class 'list'>";
  if (isMapping(value)) return "<class 'dict'>";
  if (typeof value === "string") return "<class 'str'>";
  if (typeof value === "boolean") return "<class 'bool'>";
  return typeof value === "number" && Number.isInteger(value) ? "<class 'int'>" : "<class 'float'>";
}

/** Where a key is first written, found in the text (TOML parsers give no positions). */
function keyFinder(text: string, file: string): (key: string) => SourcePosition {
  const lines = text.split(/\r?\n/);
  const cache = new Map<string, SourcePosition>();
  return (key) => {
    let at = cache.get(key);
    if (at) return at;
    const name = key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const re = new RegExp(`(^|[\\s{,.\\[])(?:"${name}"|'${name}'|${name})\\s*(?:=|\\]|\\.)`);
    at = { file, line: 1, col: 1 };
    for (let i = 0; i < lines.length; i++) {
      const m = re.exec(lines[i]);
      if (m) {
        at = { file, line: i + 1, col: m.index + m[1].length + 1 };
        break;
      }
    }
    cache.set(key, at);
    return at;
  };
}

/**
 * Reads a TOML inventory into `data`, as Ansible's `toml` plugin does: what it skips with
 * a warning is skipped with the same warning (`data.warn`), what it refuses is an
 * `InventoryError`.
 *
 * @example
 * ```ts
 * import { InventoryData } from "./inventory_data.ts";
 * import { parseTomlInventory } from "./toml_inventory.ts";
 * const data = new InventoryData();
 * parseTomlInventory('[web.hosts]\nweb1 = { http_port = 8080 }\n', "hosts.toml", data);
 * data.hosts.get("web1")?.vars; // => { http_port: 8080 }
 * ```
 */
export function parseTomlInventory(text: string, file: string, data: InventoryData): void {
  let parsed: Record<string, unknown>;
  try {
    parsed = convert(parse(text, { integersAsBigInt: true })) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const message = error.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
    throw new InventoryError(`Invalid TOML: ${message}`, { file, line: error.line, col: error.column });
  }
  const at = keyFinder(text, file);
  if (Object.keys(parsed).length === 0) {
    throw new InventoryError("Parsed empty TOML file", { file, line: 1, col: 1 });
  }
  if (parsed.plugin) {
    throw new InventoryError(
      `Inventory plugin configurations (plugin: ${String(parsed.plugin)}) are not supported: ` +
        "expected a TOML inventory with groups at the top",
      at("plugin"),
    );
  }
  const group = (name: string, body: unknown): void => {
    if (body !== null && body !== undefined && !isMapping(body)) {
      data.warn(`Skipping '${name}' as this is not a valid group definition`);
      return;
    }
    data.addGroup(name, at(name));
    if (!body) return;
    for (const [key, value] of Object.entries(body)) {
      const invalid = (expected: string) =>
        new InventoryError(
          `Invalid "${key}" entry for "${name}" group, requires a ${expected}, found "${
            pythonType(value)
          }" instead`,
          at(key),
        );
      if (key === "vars") {
        if (!isMapping(value)) throw invalid("dict");
        for (const [k, v] of Object.entries(value)) data.setVariable(name, k, v, at(k));
      } else if (key === "children") {
        if (!Array.isArray(value)) throw invalid("list");
        for (const child of value) {
          group(String(child), {});
          data.addChild(name, String(child), at(String(child)));
        }
      } else if (key === "hosts") {
        if (!isMapping(value)) throw invalid("dict");
        for (const [pattern, vars] of Object.entries(value)) hosts(name, pattern, vars);
      } else {
        data.warn(
          `Skipping unexpected key "${key}" in group "${name}", only "vars", "children" and "hosts" are valid`,
        );
      }
    }
  };
  const hosts = (name: string, pattern: string, vars: unknown): void => {
    let expanded;
    try {
      expanded = expandHostPattern(pattern);
    } catch (error) {
      if (!(error instanceof HostPatternError)) throw error;
      throw new InventoryError(`Invalid host pattern '${pattern}': ${error.message}`, at(pattern));
    }
    if (!isMapping(vars)) {
      throw new InventoryError(
        `Invalid variables for host '${pattern}' in group '${name}': expected a table, got ${
          pythonType(vars)
        }`,
        at(pattern),
      );
    }
    for (const host of expanded.hosts) {
      data.addHost(host, name, expanded.port, at(pattern));
      for (const [k, v] of Object.entries(vars)) data.setVariable(host, k, v, at(k));
    }
  };
  for (const [name, body] of Object.entries(parsed)) group(name, body);
}
