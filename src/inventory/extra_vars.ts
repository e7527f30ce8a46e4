/**
 * Extra variables (`-e` / `--extra-vars`), read as Ansible reads them: `k=v k2="v 2"`
 * (values stay strings), a JSON or YAML mapping (`{"k": 1}`), or `@file` (a JSON or YAML
 * file). Several values merge, later ones winning.
 */

import { InventoryError, UsageError } from "../engine/errors.ts";
import type { Vault } from "./vault.ts";
import { parseYaml } from "./yaml_file.ts";
import { setKey } from "./yaml_positions.ts";
import { PYTHON_ESCAPES } from "./python_literal.ts";
import { isMapping, typeName } from "./yaml_values.ts";

const ESCAPE = /\\U[0-9a-fA-F]{8}|\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|\\N\{[^}]+\}|\\[\\'"abfnrtv]/g;

/** Ansible's `_decode_escapes`: Python escapes in a `k=v` word (`\N{...}` is left as is). */
function decodeEscapes(text: string): string {
  return text.replace(ESCAPE, (m) => {
    if (m[1] in PYTHON_ESCAPES) return PYTHON_ESCAPES[m[1]];
    if (m[1] === "N") return m;
    return String.fromCodePoint(parseInt(m.slice(2), 16));
  });
}

/** The quote a word leaves open, as Ansible's `_get_quote_state` tracks it. */
function quoteState(token: string, quote: string | undefined): string | undefined {
  for (let i = 0; i < token.length; i++) {
    const c = token[i];
    if ((c === '"' || c === "'") && (i === 0 || token[i - 1] !== "\\")) {
      if (quote) {
        if (c === quote) quote = undefined;
      } else {
        quote = c;
      }
    }
  }
  return quote;
}

function jinjaDepth(token: string, depth: number, open: string, close: string): number {
  const opened = token.split(open).length - 1;
  const closed = token.split(close).length - 1;
  return opened === closed ? depth : Math.max(0, depth + opened - closed);
}

/**
 * Ansible's `split_args`: splits on spaces, keeping quoted text and Jinja blocks
 * (`{{ }}`, `{% %}`, `{# #}`) together, quotes kept.
 */
export function splitArgs(args: string): string[] {
  const params: string[] = [];
  const items = args.split("\n");
  let quote: string | undefined;
  let inside = false;
  let print = 0, block = 0, comment = 0;
  items.forEach((item, itemIndex) => {
    const tokens = item.split(" ");
    let continuation = false;
    tokens.forEach((token, idx) => {
      if (token.length === 0 && idx !== 0) {
        if (params.length === 0) throw new UsageError(`Invalid extra vars: unable to parse '${args}'`);
        params[params.length - 1] += " ";
        return;
      }
      if (token === "\\" && !inside) {
        continuation = true;
        return;
      }
      const wasInside = inside;
      quote = quoteState(token, quote);
      inside = quote !== undefined;
      let appended = false;
      if (inside && !wasInside && !(print || block || comment)) {
        params.push(token);
        appended = true;
      } else if (print || block || comment || inside || wasInside) {
        if (idx === 0 && wasInside) params[params.length - 1] += token;
        else if (tokens.length > 1) params[params.length - 1] += (idx > 0 ? " " : "") + token;
        else params[params.length - 1] += "\n" + token;
        appended = true;
      }
      for (const [open, close, kind] of [["{{", "}}", 0], ["{%", "%}", 1], ["{#", "#}", 2]] as const) {
        const before = [print, block, comment][kind];
        const after = jinjaDepth(token, before, open, close);
        if (kind === 0) print = after;
        else if (kind === 1) block = after;
        else comment = after;
        if (after !== before && !appended) {
          params.push(token);
          appended = true;
        }
      }
      if (!(print || block || comment) && !inside && !appended && token !== "") params.push(token);
    });
    if (items.length > 1 && itemIndex !== items.length - 1 && !continuation) {
      params[params.length - 1] += "\n";
    }
  });
  if (print || block || comment || inside) {
    throw new UsageError(`Invalid extra vars: unbalanced quotes or Jinja block in: ${args}`);
  }
  return params;
}

/** Ansible's `unquote`: drops matching outer quotes. */
function unquote(text: string): string {
  const quoted = text.length > 1 && text[0] === text.at(-1) && (text[0] === '"' || text[0] === "'") &&
    text.at(-2) !== "\\";
  return quoted ? text.slice(1, -1) : text;
}

/**
 * Parses `k=v` words as Ansible's `parse_kv` does; values are strings. A word without
 * `=` is an error (Ansible would keep it as `_raw_params`).
 *
 * @example
 * ```ts
 * import { parseKeyValues } from "./extra_vars.ts";
 * parseKeyValues(`flame_prefix=/opt/flame name="a b" n=3`); // => { flame_prefix: "/opt/flame", name: "a b", n: "3" }
 * ```
 */
export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const original of splitArgs(text)) {
    const word = decodeEscapes(original);
    let pos = 0;
    for (;;) {
      pos = word.indexOf("=", pos + 1);
      if (pos < 0 || word[pos - 1] !== "\\") break;
    }
    if (pos < 0) {
      throw new UsageError(`Invalid extra vars: expected key=value, got '${original}'`, {
        hint: `Write -e 'name=value', -e '{"name": "value"}' or -e @file.yml`,
      });
    }
    setKey(out, word.slice(0, pos).trim(), unquote(word.slice(pos + 1).trim()));
  }
  return out;
}

function asMapping(value: unknown, what: string): Record<string, unknown> {
  if (!isMapping(value)) {
    throw new UsageError(`Invalid extra vars: ${what} is a ${typeName(value)}, expected a mapping`);
  }
  return value as Record<string, unknown>;
}

/**
 * Reads `-e` values into one mapping, later values winning. `@path` reads a YAML or JSON
 * file; a value starting with `{` or `[` is YAML/JSON; anything else is `k=v` words
 * (strings). A vault-encrypted file is decrypted with `options.vault`, and `!vault`
 * values keep it. Throws `UsageError` (or `InventoryError` with a position for a bad file).
 *
 * @example
 * ```ts
 * import { parseExtraVars } from "./extra_vars.ts";
 * await parseExtraVars(["flame_enable=true", '{"flame_profiles": ["worker"]}']);
 * // => { flame_enable: "true", flame_profiles: ["worker"] }
 * ```
 */
export async function parseExtraVars(
  values: readonly string[] = [],
  options: { vault?: Vault } = {},
): Promise<Record<string, unknown>> {
  let result: Record<string, unknown> = {};
  for (const value of values) {
    if (!value) continue;
    let data: Record<string, unknown>;
    if (value.startsWith("@")) {
      const path = value.slice(1);
      let text: string;
      try {
        text = await Deno.readTextFile(path);
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) throw new UsageError(`Extra vars file not found: ${path}`);
        throw error;
      }
      // An empty file is no variables.
      data = asMapping(parseYaml(text, path, { vault: options.vault }) ?? {}, `the file ${path}`);
    } else if (value[0] === "/" || value[0] === ".") {
      throw new UsageError(`Please prepend extra_vars filename '${value}' with '@'`);
    } else if (value[0] === "[" || value[0] === "{") {
      let parsed: unknown;
      try {
        parsed = parseYaml(value, "<extra vars>", { vault: options.vault });
      } catch (error) {
        if (!(error instanceof InventoryError)) throw error;
        throw new UsageError(`Invalid extra vars '${value}': ${error.message}`);
      }
      data = asMapping(parsed, `'${value}'`);
    } else {
      data = parseKeyValues(value);
    }
    result = { ...result, ...data };
  }
  return result;
}
