/**
 * Scalars as Ansible reads them: its YAML loader is PyYAML, which follows YAML 1.1
 * (`yes`/`no`/`on`/`off` are booleans, `0777` is octal, `1:30` is 90, `2001-12-14` is a
 * date). Dates and times become the ISO strings `ansible-inventory` prints; floats with an
 * integral value (`8.0`) become `PyFloat`s, so that they stay floats.
 */

import { isFloat, numberOf, PyFloat, pyFloat, pythonFloatRepr } from "./float.ts";

const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const NULL = /^(?:~|null|Null|NULL|)$/;
const TIMESTAMP =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;
const TIMESTAMP_PARTS =
  /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)?$/;

/** A scalar PyYAML refuses to construct (a bad `!!int`, the `=` value tag, ...). */
export class YamlValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "YamlValueError";
  }
}

/** The tags muster understands, by their long name. */
export const TAG = {
  str: "tag:yaml.org,2002:str",
  int: "tag:yaml.org,2002:int",
  float: "tag:yaml.org,2002:float",
  bool: "tag:yaml.org,2002:bool",
  null: "tag:yaml.org,2002:null",
  timestamp: "tag:yaml.org,2002:timestamp",
  map: "tag:yaml.org,2002:map",
  seq: "tag:yaml.org,2002:seq",
} as const;

/** PyYAML's implicit tag for a plain scalar (its resolver picks by first character). */
function implicitTag(text: string): string | undefined {
  const first = text[0] ?? "";
  if ("yYnNtTfFoO".includes(first) && first !== "" && BOOL.test(text)) return TAG.bool;
  if ("-+0123456789.".includes(first) && first !== "" && FLOAT.test(text)) return TAG.float;
  if ("-+0123456789".includes(first) && first !== "" && INT.test(text)) return TAG.int;
  if (text === "<<") return "merge";
  if ((first === "" || "~nN".includes(first)) && NULL.test(text)) return TAG.null;
  if ("0123456789".includes(first) && first !== "" && TIMESTAMP.test(text)) return TAG.timestamp;
  if (text === "=") return "value";
  return undefined;
}

function constructInt(text: string): number {
  let value = text.replaceAll("_", "");
  let sign = 1;
  if (value[0] === "-") sign = -1;
  if (value[0] === "-" || value[0] === "+") value = value.slice(1);
  let n: number;
  if (value === "0") n = 0;
  else if (value.startsWith("0b")) n = strictParse(value.slice(2), 2);
  else if (value.startsWith("0x")) n = strictParse(value.slice(2), 16);
  else if (value[0] === "0") n = strictParse(value, 8);
  else if (value.includes(":")) {
    n = value.split(":").reverse().reduce((sum, part, i) => sum + strictParse(part, 10) * 60 ** i, 0);
  } else n = strictParse(value, 10);
  // Python integers have no negative zero.
  return n === 0 ? 0 : sign * n;
}

function strictParse(text: string, radix: number): number {
  const digits = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[radix]!;
  if (!digits.test(text)) throw new YamlValueError(`invalid literal for int() with base ${radix}: '${text}'`);
  return parseInt(text, radix);
}

function constructFloat(text: string): number | PyFloat {
  return pyFloat(floatValue(text));
}

function floatValue(text: string): number {
  let value = text.replaceAll("_", "").toLowerCase();
  let sign = 1;
  if (value[0] === "-") sign = -1;
  if (value[0] === "-" || value[0] === "+") value = value.slice(1);
  if (value === ".inf") return sign * Infinity;
  if (value === ".nan") return NaN;
  if (value.includes(":")) {
    return sign * value.split(":").reverse().reduce((sum, part, i) => sum + pythonFloat(part) * 60 ** i, 0);
  }
  return sign * pythonFloat(value);
}

function pythonFloat(text: string): number {
  const t = text.trim();
  if (/^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?$/i.test(t)) return Number(t);
  if (/^[-+]?(?:inf|infinity)$/i.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
  if (/^[-+]?nan$/i.test(t)) return NaN;
  throw new YamlValueError(`could not convert string to float: '${text}'`);
}

function constructBool(text: string): boolean {
  const value = text.toLowerCase();
  if (["yes", "true", "on"].includes(value)) return true;
  if (["no", "false", "off"].includes(value)) return false;
  throw new YamlValueError(`invalid boolean: '${text}'`);
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** PyYAML's timestamp, as Python's `isoformat()` prints it. */
function constructTimestamp(text: string): string {
  const m = TIMESTAMP_PARTS.exec(text);
  if (!m) throw new YamlValueError(`invalid timestamp: '${text}'`);
  const [, y, mo, d, h, mi, s, fraction, tz, tzSign, tzHour, tzMinute] = m;
  const year = +y, month = +mo, day = +d;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > days) {
    throw new YamlValueError(`invalid date: '${text}'`);
  }
  const date = `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
  if (h === undefined) return date;
  if (+h > 23 || +mi > 59 || +s > 59) throw new YamlValueError(`invalid time: '${text}'`);
  let out = `${date}T${pad(+h)}:${pad(+mi)}:${pad(+s)}`;
  const micro = fraction ? +fraction.slice(0, 6).padEnd(6, "0") : 0;
  if (micro) out += "." + pad(micro, 6);
  if (tzSign) {
    const minutes = +tzHour * 60 + +(tzMinute ?? 0);
    if (minutes >= 24 * 60) throw new YamlValueError(`invalid time zone: '${text}'`);
    out += (minutes === 0 ? "+" : tzSign) + pad(Math.floor(minutes / 60)) + ":" + pad(minutes % 60);
  } else if (tz) {
    out += "+00:00";
  }
  return out;
}

/**
 * Constructs a scalar with an explicit or resolved tag as PyYAML's safe constructor
 * does; throws `YamlValueError` when PyYAML would.
 */
export function constructScalar(tag: string, text: string): unknown {
  switch (tag) {
    case TAG.str:
      return text;
    case TAG.int:
      return constructInt(text);
    case TAG.float:
      return constructFloat(text);
    case TAG.bool:
      return constructBool(text);
    case TAG.null:
      return null;
    case TAG.timestamp:
      return constructTimestamp(text);
    default:
      throw new YamlValueError(`could not determine a constructor for the tag '${tag}'`);
  }
}

/**
 * The value of a plain (unquoted) scalar as PyYAML resolves it. `<<` (a merge key) is
 * returned as a string; callers that support merges check for it first.
 *
 * @example
 * ```ts
 * import { resolvePlain } from "./yaml_values.ts";
 * resolvePlain("yes"); // => true
 * resolvePlain("0777"); // => 511
 * resolvePlain("1e3"); // => "1e3"
 * ```
 */
export function resolvePlain(text: string): unknown {
  const tag = implicitTag(text);
  if (tag === undefined || tag === "merge") return text;
  if (tag === "value") {
    throw new YamlValueError("could not determine a constructor for the tag 'tag:yaml.org,2002:value'");
  }
  return constructScalar(tag, text);
}

/** The value of a plain scalar of a JSON document (Python's `json.loads`). */
export function resolveJsonPlain(text: string): unknown {
  if (text === "NaN") return NaN;
  if (text === "Infinity") return Infinity;
  if (text === "-Infinity") return -Infinity;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  return typeof value === "number" && /[.eE]/.test(text) ? pyFloat(value) : value;
}

/**
 * The key Python's `json.dumps` writes for a YAML mapping key that is not a string, which
 * is the key `ansible-inventory` shows. Returns undefined for keys JSON cannot hold.
 */
export function keyString(key: unknown): string | undefined {
  if (typeof key === "string") return key;
  if (key === null) return "null";
  if (typeof key === "boolean") return String(key);
  const n = numberOf(key);
  if (n !== undefined) {
    if (Number.isNaN(n)) return "NaN";
    if (!Number.isFinite(n)) return n > 0 ? "Infinity" : "-Infinity";
    return isFloat(key) ? pythonFloatRepr(n) : String(n);
  }
  return undefined;
}

/**
 * Whether a value is a mapping as loaded (a plain object), not a list, a `PyFloat` or a
 * `VaultValue`.
 */
export function isMapping(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A short name for the type of a value, in Python's words, for error messages. */
export function typeName(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "list";
  if (isFloat(value)) return "float";
  if (isMapping(value)) return "mapping";
  if (typeof value === "object") return "string"; // a vault value
  if (typeof value === "number") return "integer";
  if (typeof value === "boolean") return "boolean";
  return "string";
}
