/**
 * JSON text as Python's `json.dumps(value, sort_keys=True, indent=4, ensure_ascii=False)`
 * writes it, which is what `ansible-inventory --list` prints: keys sorted by code point,
 * `8.0` for a float (`PyFloat`), `NaN` and `Infinity` as Python writes them, only `"`,
 * `\` and control characters escaped. Mappings loaded from YAML keep their written key
 * order and their keys' YAML types (`yaml_positions.ts`): where Python could not sort
 * them (an int key beside a string key), the whole text is written unsorted, in Python's
 * insertion order, with the warning Ansible prints.
 */

import { PyFloat, pythonFloatRepr } from "./float.ts";
import { entryPosition, orderedKeys } from "./yaml_positions.ts";

/** Options of `pythonJson`. */
export interface PythonJsonOptions {
  /** Spaces per level. @default 4 */
  indent?: number;
  /** Sort mapping keys as Python's `sort_keys=True`. @default true */
  sortKeys?: boolean;
}

/** What `pythonJson` wrote, and the warning Ansible shows when it could not sort the keys. */
export interface PythonJsonText {
  text: string;
  warning?: string;
}

class SortError extends Error {}

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

// deno-lint-ignore no-control-regex
const TO_ESCAPE = /["\\\x00-\x1f]/g;

function quote(text: string): string {
  return '"' +
    text.replace(TO_ESCAPE, (c) => ESCAPES[c] ?? "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0")) + '"';
}

function number(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (Number.isInteger(value)) return BigInt(value).toString();
  return pythonFloatRepr(value);
}

function float(value: number): string {
  if (Number.isNaN(value) || !Number.isFinite(value)) return number(value);
  return pythonFloatRepr(value);
}

/** A key as Python holds it, for sorting: its YAML type where it was loaded from YAML. */
interface Key {
  name: string;
  raw: unknown;
}

function pythonType(raw: unknown, fromYaml: boolean): string {
  if (raw === null || raw === undefined) return "NoneType";
  if (typeof raw === "boolean") return "bool";
  if (raw instanceof PyFloat) return "float";
  if (typeof raw === "number") return Number.isInteger(raw) ? "int" : "float";
  return fromYaml ? "AnsibleUnicode" : "str";
}

function isNumeric(raw: unknown): boolean {
  return typeof raw === "number" || typeof raw === "boolean" || raw instanceof PyFloat;
}

/** Python's `a < b` for two keys, raising as Python does for types it cannot order. */
function less(a: Key, b: Key, aYaml: boolean, bYaml: boolean): boolean {
  if (typeof a.raw === "string" && typeof b.raw === "string") return compareCodePoints(a.raw, b.raw) < 0;
  if (isNumeric(a.raw) && isNumeric(b.raw)) return Number(a.raw) < Number(b.raw);
  throw new SortError(
    `'<' not supported between instances of '${pythonType(a.raw, aYaml)}' and '${pythonType(b.raw, bYaml)}'`,
  );
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Python's string order (by code point), which differs from UTF-16's only around surrogates. */
function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : 1;
  const x = [...a], y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i].codePointAt(0)! - y[i].codePointAt(0)!;
  }
  return x.length - y.length;
}

/** Python's sort of a dict's items, comparing in the order its binary insertion sort does. */
function sortKeys(keys: Key[], fromYaml: boolean): Key[] {
  if (keys.every((k) => typeof k.raw === "string")) {
    return [...keys].sort((a, b) => compareCodePoints(a.name, b.name));
  }
  const sorted: Key[] = [];
  for (const key of keys) {
    let lo = 0, hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (less(key, sorted[mid], fromYaml, fromYaml)) hi = mid;
      else lo = mid + 1;
    }
    sorted.splice(lo, 0, key);
  }
  return sorted;
}

function keysOf(map: object): { keys: Key[]; fromYaml: boolean } {
  let fromYaml = false;
  const keys = orderedKeys(map).map((name) => {
    const at = entryPosition(map, name);
    if (at) fromYaml = true;
    return { name, raw: at ? at.raw : name };
  });
  return { keys, fromYaml };
}

function write(value: unknown, sort: boolean, indent: string, level: string): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return number(value);
  if (value instanceof PyFloat) return float(value.value);
  if (typeof value === "string") return quote(value);
  if (typeof value === "bigint") return value.toString();
  const inner = level + indent;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return "[\n" + value.map((v) => inner + write(v, sort, indent, inner)).join(",\n") + "\n" + level + "]";
  }
  const custom = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof custom === "function") return write(custom.call(value), sort, indent, level);
  const map = value as Record<string, unknown>;
  const { keys, fromYaml } = keysOf(map);
  if (keys.length === 0) return "{}";
  const ordered = sort ? sortKeys(keys, fromYaml) : keys;
  return "{\n" +
    ordered.map((k) => `${inner}${quote(k.name)}: ${write(map[k.name], sort, indent, inner)}`).join(",\n") +
    "\n" + level + "}";
}

/**
 * Writes a value as Python's `json.dumps(value, sort_keys=True, indent=4,
 * ensure_ascii=False)`, falling back to unsorted keys (and a warning) where Python's
 * sort would raise.
 *
 * @example
 * ```ts
 * import { pythonJson } from "./python_json.ts";
 * import { PyFloat } from "./float.ts";
 * pythonJson({ b: new PyFloat(8), a: [] }).text; // => '{\n    "a": [],\n    "b": 8.0\n}'
 * ```
 */
export function pythonJson(value: unknown, options: PythonJsonOptions = {}): PythonJsonText {
  const indent = " ".repeat(options.indent ?? 4);
  if (options.sortKeys === false) return { text: write(value, false, indent, "") };
  try {
    return { text: write(value, true, indent, "") };
  } catch (error) {
    if (!(error instanceof SortError)) throw error;
    return {
      text: write(value, false, indent, ""),
      warning: `Could not sort JSON output due to issues while sorting keys: ${error.message}`,
    };
  }
}
