/**
 * A fast reader for the plain block YAML most inventories and variable files are written
 * in: nested mappings and sequences of one-line scalars, comments, empty `[]`/`{}`. It
 * gives up (returns `{ ok: false }`) on anything else — anchors, tags, flow collections,
 * multi-line or escaped scalars, tabs — and `yaml_file.ts` then uses the full parser. What
 * it accepts it reads exactly as the full parser does, positions included.
 */

import type { SourcePosition } from "../engine/errors.ts";
import { recordEntry, setKey } from "./yaml_positions.ts";
import { keyString, resolvePlain } from "./yaml_values.ts";

/** What the fast reader made of a text. */
export type FastYamlResult = { ok: true; value: unknown } | { ok: false };

interface Line {
  /** 1-based line number. */
  no: number;
  indent: number;
  /** The line without its indentation. */
  text: string;
}

class GiveUp extends Error {}

/** Characters that cannot start a plain scalar. */
const INDICATORS = ",[]{}#&*!|>'\"%@`";

interface Scalar {
  value: unknown;
  /** Offset of the value in the text given. */
  start: number;
}

/** Reads a one-line value (after `key:` or `- `); undefined when there is none. */
function inlineValue(text: string): Scalar | undefined {
  const start = text.length - text.trimStart().length;
  const rest = text.slice(start);
  if (rest === "" || rest[0] === "#") return undefined;
  const c = rest[0];
  let value: unknown;
  let after: string;
  if (c === "'" || c === '"') {
    const { text: body, end } = quoted(rest);
    value = body;
    after = rest.slice(end);
  } else if (rest.startsWith("[]") || rest.startsWith("{}")) {
    value = c === "[" ? [] : {};
    after = rest.slice(2);
  } else {
    if (INDICATORS.includes(c)) throw new GiveUp();
    if ("-?:".includes(c) && (rest.length === 1 || rest[1] === " ")) throw new GiveUp();
    const comment = rest.search(/ #/);
    const plain = (comment >= 0 ? rest.slice(0, comment) : rest).trimEnd();
    if (plain.includes(": ") || plain.endsWith(":")) throw new GiveUp();
    value = plainValue(plain);
    after = "";
  }
  if (after.trim() !== "" && !/^ +#/.test(after)) throw new GiveUp();
  return { value, start };
}

function plainValue(text: string): unknown {
  if (text === "<<") throw new GiveUp();
  try {
    return resolvePlain(text);
  } catch {
    throw new GiveUp();
  }
}

/** A one-line quoted scalar at the start of `text`, and the offset just after it. */
function quoted(text: string): { text: string; end: number } {
  const q = text[0];
  let out = "";
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (q === '"' && c === "\\") throw new GiveUp();
    if (c === q) {
      if (q === "'" && text[i + 1] === "'") {
        out += "'";
        i++;
        continue;
      }
      return { text: out, end: i + 1 };
    }
    out += c;
  }
  throw new GiveUp();
}

/** Splits `key: rest`; the key as YAML types it and where the rest starts. */
function splitKey(text: string): { raw: unknown; rest: string; restStart: number } {
  let raw: unknown;
  let colon: number;
  if (text[0] === "'" || text[0] === '"') {
    const { text: body, end } = quoted(text);
    raw = body;
    colon = end;
    while (text[colon] === " ") colon++;
    if (text[colon] !== ":") throw new GiveUp();
  } else {
    if (INDICATORS.includes(text[0])) throw new GiveUp();
    if ("-?:".includes(text[0]) && (text.length === 1 || text[1] === " ")) throw new GiveUp();
    const m = /:(?: |$)/.exec(text);
    if (!m) throw new GiveUp();
    colon = m.index;
    const key = text.slice(0, colon).trimEnd();
    if (key.includes(" #") || key.length > 1000) throw new GiveUp();
    raw = plainValue(key);
  }
  if (text[colon + 1] !== undefined && text[colon + 1] !== " ") throw new GiveUp();
  return { raw, rest: text.slice(colon + 1), restStart: colon + 1 };
}

class Reader {
  #pos = 0;
  constructor(readonly lines: Line[], readonly file: string) {}

  get done(): boolean {
    return this.#pos >= this.lines.length;
  }
  get line(): Line | undefined {
    return this.lines[this.#pos];
  }
  at(line: Line, col: number): SourcePosition {
    return { file: this.file, line: line.no, col };
  }

  node(indent: number): unknown {
    const line = this.line!;
    return isSeqEntry(line) ? this.seq(indent) : this.map(indent);
  }

  /** The value of an entry whose own line had none: a nested block, or null. */
  nested(parent: Line, allowSameIndentSeq: boolean): { value: unknown; at?: SourcePosition } {
    const next = this.line;
    if (next && next.indent > parent.indent) {
      return { value: this.node(next.indent), at: this.at(next, next.indent + 1) };
    }
    if (allowSameIndentSeq && next && next.indent === parent.indent && isSeqEntry(next)) {
      return { value: this.seq(next.indent), at: this.at(next, next.indent + 1) };
    }
    return { value: null };
  }

  map(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    while (!this.done) {
      const line = this.line!;
      if (line.indent < indent) break;
      if (line.indent > indent || isSeqEntry(line)) throw new GiveUp();
      const { raw, rest, restStart } = splitKey(line.text);
      const name = keyString(raw);
      if (name === undefined) throw new GiveUp();
      this.#pos++;
      const keyAt = this.at(line, indent + 1);
      const inline = inlineValue(rest);
      let value: unknown;
      let valueAt = keyAt;
      if (inline) {
        value = inline.value;
        valueAt = this.at(line, indent + restStart + inline.start + 1);
        if (this.line && this.line.indent > indent) throw new GiveUp();
      } else {
        const nested = this.nested(line, true);
        value = nested.value;
        valueAt = nested.at ?? keyAt;
      }
      setKey(out, name, value);
      recordEntry(out, name, { key: keyAt, value: valueAt, raw });
    }
    return out;
  }

  seq(indent: number): unknown[] {
    const out: unknown[] = [];
    while (!this.done) {
      const line = this.line!;
      if (line.indent < indent) break;
      if (line.indent > indent) throw new GiveUp();
      if (!isSeqEntry(line)) break;
      this.#pos++;
      const inline = inlineValue(line.text.slice(1));
      if (inline) {
        out.push(inline.value);
        if (this.line && this.line.indent > indent) throw new GiveUp();
      } else {
        out.push(this.nested(line, false).value);
      }
    }
    return out;
  }
}

function isSeqEntry(line: Line): boolean {
  return line.text === "-" || line.text.startsWith("- ");
}

/**
 * Reads plain block YAML quickly; `{ ok: false }` means "use the full parser".
 *
 * @example
 * ```ts
 * import { parseFastYaml } from "./yaml_fast.ts";
 * parseFastYaml("all:\n  hosts:\n    web1:\n", "hosts.yml"); // => { ok: true, value: { all: { hosts: { web1: null } } } }
 * parseFastYaml("a: &anchor 1\n", "x.yml"); // => { ok: false }
 * ```
 */
export function parseFastYaml(text: string, file: string): FastYamlResult {
  if (/[\t\r\ufeff]/.test(text)) return { ok: false };
  const lines: Line[] = [];
  const raw = text.split("\n");
  for (let i = 0; i < raw.length; i++) {
    const body = raw[i].trimStart();
    if (body === "" || body[0] === "#") continue;
    if (body[0] === "%" || body.startsWith("---") || body.startsWith("...")) {
      const marker = /^---(?: +#.*)?$/.test(raw[i]);
      if (!marker || lines.length > 0) return { ok: false };
      continue;
    }
    lines.push({ no: i + 1, indent: raw[i].length - body.length, text: body.trimEnd() });
  }
  if (lines.length === 0) return { ok: true, value: null };
  try {
    const reader = new Reader(lines, file);
    const value = reader.node(lines[0].indent);
    if (!reader.done) return { ok: false };
    return { ok: true, value };
  } catch (error) {
    if (error instanceof GiveUp) return { ok: false };
    throw error;
  }
}
