/**
 * Shell quoting. Every value that reaches a remote shell goes through `quote`; raw shell
 * text is an explicit choice made with `raw`.
 */

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Quotes a value for a POSIX shell so that it arrives as exactly one word, unchanged.
 *
 * @example
 * ```ts
 * import { quote } from "./quote.ts";
 * quote("it's"); // => 'it'"'"'s'
 * ```
 */
export function quote(value: string | number): string {
  const text = String(value);
  if (text !== "" && SAFE.test(text) && !text.startsWith("-")) return text;
  return `'${text.replaceAll("'", `'"'"'`)}'`;
}

/** Shell text that must not be quoted, made visible at the call site. */
export class Raw {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** Marks shell text as raw: it is inserted into a command unquoted. */
export function raw(text: string): Raw {
  return new Raw(text);
}

type Value = string | number | Raw | readonly (string | number | Raw)[];

function render(value: Value): string {
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return value.map((item) => render(item)).join(" ");
  return quote(value as string | number);
}

/**
 * Builds a shell command in which every interpolated value is quoted, arrays become
 * several words, and `raw(...)` values are inserted as they are.
 *
 * @example
 * ```ts
 * import { sh } from "./quote.ts";
 * sh`mkdir -p ${"/tmp/my dir"}`; // => mkdir -p '/tmp/my dir'
 * ```
 */
export function sh(strings: TemplateStringsArray, ...values: Value[]): string {
  let out = strings[0];
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1];
  });
  return out;
}
