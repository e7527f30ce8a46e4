/**
 * Python's `ast.literal_eval`, which Ansible's INI inventory applies to every variable
 * value: numbers, strings, `True`/`False`/`None`, lists, tuples, dicts and sets become
 * typed values; anything else stays the text it was.
 */

import { isFloat, numberOf, PyFloat, pyFloat, pythonFloatRepr } from "./float.ts";
import { setKey } from "./yaml_positions.ts";

/** Python's one-character string escapes (`\n`, `\t`, ...), and a backslash-newline continuing a line. */
export const PYTHON_ESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\n": "",
};

/** What `literalEval` makes of a text: a value, or nothing when Python would not evaluate it. */
export type LiteralResult = { ok: true; value: unknown } | { ok: false };

type Token =
  | { kind: "num"; value: number | PyFloat; float: boolean }
  | { kind: "str"; value: string; bytes: boolean }
  | { kind: "name"; value: string }
  | { kind: "op"; value: string }
  | { kind: "end" };

class NotLiteral extends Error {}

const DIGITS = String.raw`[0-9](?:_?[0-9])*`;
const EXPONENT = String.raw`[eE][-+]?${DIGITS}`;
const POINT_FLOAT = String.raw`(?:(?:${DIGITS})?\.${DIGITS}|${DIGITS}\.)`;
const NUMBER = new RegExp(
  String.raw`^(?:` +
    String.raw`(?<float>(?:${POINT_FLOAT}(?:${EXPONENT})?|${DIGITS}${EXPONENT}))(?<imag1>[jJ])?` +
    String.raw`|(?<hex>0[xX](?:_?[0-9a-fA-F])+)|(?<oct>0[oO](?:_?[0-7])+)|(?<bin>0[bB](?:_?[01])+)` +
    String.raw`|(?<dec>[1-9](?:_?[0-9])*|0(?:_?0)*)(?<imag2>[jJ])?` +
    String.raw`)`,
);
const NAME = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*/u;
const STRING_PREFIX = /^(?:[rR][bB]?|[bB][rR]?|[uU]|[fF][rR]?|[rR][fF])?(?='|")/;

function decodeEscapes(body: string, bytes: boolean): string {
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== "\\") {
      out += c;
      continue;
    }
    const n = body[++i];
    if (n in PYTHON_ESCAPES) {
      out += PYTHON_ESCAPES[n];
    } else if (n >= "0" && n <= "7") {
      const m = /^[0-7]{1,3}/.exec(body.slice(i))![0];
      out += String.fromCodePoint(parseInt(m, 8));
      i += m.length - 1;
    } else if (n === "x" || (!bytes && (n === "u" || n === "U"))) {
      const width = n === "x" ? 2 : n === "u" ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + width);
      if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex)) throw new NotLiteral();
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) throw new NotLiteral();
      out += String.fromCodePoint(code);
      i += width;
    } else if (n === "N" && !bytes) {
      // Unicode names (\N{...}) would need the Unicode database.
      throw new NotLiteral();
    } else {
      out += "\\" + n;
    }
  }
  return out;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\f") {
      i++;
    } else if (c === "\\" && (text[i + 1] === "\n" || text.startsWith("\r\n", i + 1))) {
      i += text[i + 1] === "\n" ? 2 : 3;
    } else if (c === "\n" || c === "\r") {
      // Outside brackets a newline ends the expression: only blank lines and comments may follow.
      if (depth === 0) {
        if (!/^(?:\s|#[^\n\r]*)*$/.test(text.slice(i))) throw new NotLiteral();
        break;
      }
      i++;
    } else if (c === "#") {
      while (i < text.length && text[i] !== "\n" && text[i] !== "\r") i++;
    } else if ("([{".includes(c)) {
      depth++;
      tokens.push({ kind: "op", value: c });
      i++;
    } else if (")]}".includes(c)) {
      depth--;
      tokens.push({ kind: "op", value: c });
      i++;
    } else if (",:+-".includes(c)) {
      tokens.push({ kind: "op", value: c });
      i++;
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(text[i + 1] ?? ""))) {
      const m = NUMBER.exec(text.slice(i));
      if (!m) throw new NotLiteral();
      const g = m.groups!;
      if (g.imag1 || g.imag2) throw new NotLiteral(); // complex numbers
      const raw = m[0].replaceAll("_", "");
      const value = g.float !== undefined
        ? Number(raw)
        : g.hex
        ? parseInt(raw.slice(2), 16)
        : g.oct
        ? parseInt(raw.slice(2), 8)
        : g.bin
        ? parseInt(raw.slice(2), 2)
        : Number(raw);
      i += m[0].length;
      // `1abc` and `0777` are syntax errors in Python 3.
      if (/^[\p{L}\p{N}_.]/u.test(text.slice(i))) throw new NotLiteral();
      const float = g.float !== undefined;
      tokens.push({ kind: "num", value: float ? pyFloat(value) : value, float });
    } else if (STRING_PREFIX.test(text.slice(i))) {
      const prefix = STRING_PREFIX.exec(text.slice(i))![0].toLowerCase();
      if (prefix.includes("f")) throw new NotLiteral();
      i += prefix.length;
      const quote = text.startsWith(text[i].repeat(3), i) ? text[i].repeat(3) : text[i];
      i += quote.length;
      let body = "";
      for (;;) {
        if (i >= text.length) throw new NotLiteral();
        if (text.startsWith(quote, i)) break;
        const ch = text[i];
        if (quote.length === 1 && (ch === "\n" || ch === "\r")) throw new NotLiteral();
        if (ch === "\\") {
          if (i + 1 >= text.length) throw new NotLiteral();
          body += ch + text[i + 1];
          i += 2;
          continue;
        }
        body += ch;
        i++;
      }
      i += quote.length;
      const bytes = prefix.includes("b");
      const value = prefix.includes("r") ? body : decodeEscapes(body, bytes);
      tokens.push({ kind: "str", value, bytes });
    } else if (NAME.test(text.slice(i))) {
      const name = NAME.exec(text.slice(i))![0];
      tokens.push({ kind: "name", value: name });
      i += name.length;
    } else {
      throw new NotLiteral();
    }
  }
  tokens.push({ kind: "end" });
  return tokens;
}

class Parser {
  #pos = 0;
  /** Whether the last atom was a bare number, the only operand Python allows for unary + and -. */
  #plainNumber = false;
  /** Whether that number was a float (`-0.0` is negative zero, `-0` is zero). */
  #lastFloat = false;
  constructor(readonly tokens: Token[]) {}

  peek(): Token {
    return this.tokens[this.#pos];
  }
  next(): Token {
    return this.tokens[this.#pos++];
  }
  isOp(value: string): boolean {
    const t = this.peek();
    return t.kind === "op" && t.value === value;
  }
  expectOp(value: string): void {
    if (!this.isOp(value)) throw new NotLiteral();
    this.#pos++;
  }
  atEnd(): boolean {
    return this.peek().kind === "end";
  }

  /** `a`, `a,` or `a, b, ...` (a tuple without parentheses). */
  testList(closing: string): unknown {
    const first = this.expr();
    if (!this.isOp(",")) return first;
    const items = [first];
    while (this.isOp(",")) {
      this.next();
      if (this.atEnd() || this.isOp(closing)) break;
      items.push(this.expr());
    }
    return items;
  }

  expr(): unknown {
    const t = this.peek();
    if (t.kind === "op" && (t.value === "+" || t.value === "-")) {
      this.next();
      const operand = this.atom();
      if (!this.#plainNumber) throw new NotLiteral();
      if (this.isOp("+") || this.isOp("-")) throw new NotLiteral();
      this.#plainNumber = false;
      if (t.value === "+") return operand;
      // Python integers have no negative zero.
      if (operand instanceof PyFloat) return new PyFloat(-operand.value);
      return operand === 0 && !this.#lastFloat ? 0 : -(operand as number);
    }
    const value = this.atom();
    // Binary + and - are only literals for complex numbers, which are not supported.
    if (this.isOp("+") || this.isOp("-")) throw new NotLiteral();
    return value;
  }

  atom(): unknown {
    const t = this.next();
    let value: unknown;
    if (t.kind === "num") {
      value = t.value;
    } else if (t.kind === "str") {
      let text = t.value;
      while (this.peek().kind === "str") {
        const more = this.next() as { value: string; bytes: boolean };
        if (more.bytes !== t.bytes) throw new NotLiteral();
        text += more.value;
      }
      value = text;
    } else if (t.kind === "name") {
      if (t.value === "True") value = true;
      else if (t.value === "False") value = false;
      else if (t.value === "None") value = null;
      else throw new NotLiteral();
    } else if (t.kind === "op" && t.value === "(") {
      if (this.isOp(")")) {
        this.next();
        value = [];
      } else {
        const first = this.expr();
        if (this.isOp(")")) {
          // `(1)` is the constant 1 itself, so `-(1)` is allowed; `-(-1)` is not.
          const plain = this.#plainNumber;
          this.next();
          if (this.isOp("(") || this.isOp("[")) throw new NotLiteral();
          this.#plainNumber = plain;
          return first;
        }
        this.expectOp(",");
        const items = [first];
        while (!this.isOp(")")) {
          items.push(this.expr());
          if (!this.isOp(",")) break;
          this.next();
        }
        this.expectOp(")");
        value = items;
      }
    } else if (t.kind === "op" && t.value === "[") {
      const items: unknown[] = [];
      while (!this.isOp("]")) {
        items.push(this.expr());
        if (!this.isOp(",")) break;
        this.next();
      }
      this.expectOp("]");
      value = items;
    } else if (t.kind === "op" && t.value === "{") {
      value = this.braces();
    } else {
      throw new NotLiteral();
    }
    // Calls and subscripts are not literals.
    if (this.isOp("(") || this.isOp("[")) throw new NotLiteral();
    this.#plainNumber = t.kind === "num";
    this.#lastFloat = t.kind === "num" && t.float;
    return value;
  }

  braces(): unknown {
    if (this.isOp("}")) {
      this.next();
      return {};
    }
    const first = this.expr();
    if (this.isOp(":")) {
      const dict: Record<string, unknown> = {};
      let key = first;
      for (;;) {
        this.expectOp(":");
        setKey(dict, keyString(key), this.expr());
        if (!this.isOp(",")) break;
        this.next();
        if (this.isOp("}")) break;
        key = this.expr();
      }
      this.expectOp("}");
      return dict;
    }
    // A set: muster has no sets, a list is the closest JSON value.
    if (isContainer(first)) throw new NotLiteral();
    const items = [first];
    while (this.isOp(",")) {
      this.next();
      if (this.isOp("}")) break;
      const item = this.expr();
      if (isContainer(item)) throw new NotLiteral();
      if (!items.includes(item)) items.push(item);
    }
    this.expectOp("}");
    return items;
  }
}

/** A list or dict, which Python cannot put in a set or use as a key. */
function isContainer(value: unknown): boolean {
  return typeof value === "object" && value !== null && !(value instanceof PyFloat);
}

/** The JSON key Python's `json.dumps` writes for a dict key. */
function keyString(key: unknown): string {
  if (typeof key === "string") return key;
  if (key === null) return "null";
  if (typeof key === "boolean") return String(key);
  const n = numberOf(key);
  if (n !== undefined) return isFloat(key) ? pythonFloatRepr(n) : String(n);
  // Lists and dicts are unhashable: Python raises a TypeError.
  throw new NotLiteral();
}

/**
 * Evaluates a text as Python's `ast.literal_eval` would (after `lstrip(" \t")`). Tuples and
 * sets become arrays; complex numbers and `\N{...}` escapes are not supported and leave
 * the text as it is.
 *
 * @example
 * ```ts
 * import { literalEval } from "./python_literal.ts";
 * literalEval("[1, 'two', True]"); // => { ok: true, value: [1, "two", true] }
 * literalEval("yes"); // => { ok: false }
 * ```
 */
export function literalEval(text: string): LiteralResult {
  const source = text.replace(/^[ \t]+/, "");
  try {
    const parser = new Parser(tokenize(source));
    if (parser.atEnd()) return { ok: false };
    const value = parser.testList("");
    if (!parser.atEnd()) return { ok: false };
    return { ok: true, value };
  } catch (error) {
    if (error instanceof NotLiteral) return { ok: false };
    throw error;
  }
}
