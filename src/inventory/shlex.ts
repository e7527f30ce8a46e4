/**
 * Python's `shlex.split(line, comments=True)` (POSIX mode), which Ansible's INI inventory
 * uses to split a host line into words. Each word keeps the offset where it starts, so
 * errors can point at it.
 */

/** One word of a split line. */
export interface ShlexWord {
  /** The word with quotes and escapes removed. */
  value: string;
  /** Offset in the line of the word's first character (a quote included). */
  start: number;
}

/** A line that cannot be split: an unclosed quote or a trailing backslash. */
export class ShlexError extends Error {
  /** Offset in the line where the problem starts. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = "ShlexError";
    this.offset = offset;
  }
}

const WHITESPACE = " \t\r\n";
const QUOTES = "'\"";

/**
 * Splits a line as Python's `shlex.split(line, comments=True)` does: whitespace separates
 * words, quotes group, a backslash escapes, and `#` starts a comment even inside a word.
 *
 * @example
 * ```ts
 * import { shlexSplit } from "./shlex.ts";
 * shlexSplit(`web1 x="a b" y=1#comment`).map((w) => w.value); // => ["web1", "x=a b", "y=1"]
 * ```
 */
export function shlexSplit(line: string, options: { comments?: boolean } = {}): ShlexWord[] {
  const comments = options.comments ?? true;
  const words: ShlexWord[] = [];
  let state: "space" | "word" | "'" | '"' | "escape" = "space";
  let escaped: "word" | '"' = "word";
  let token = "";
  let quoted = false;
  let start = 0;
  let quoteStart = 0;
  const emit = () => {
    if (token !== "" || quoted) words.push({ value: token, start });
    token = "";
    quoted = false;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (state === "space") {
      if (WHITESPACE.includes(c)) continue;
      if (comments && c === "#") break;
      start = i;
      if (c === "\\") {
        escaped = "word";
        state = "escape";
      } else if (QUOTES.includes(c)) {
        quoteStart = i;
        state = c as "'" | '"';
      } else {
        token = c;
        state = "word";
      }
    } else if (state === "word") {
      if (WHITESPACE.includes(c)) {
        state = "space";
        emit();
      } else if (comments && c === "#") {
        state = "space";
        emit();
        return words;
      } else if (QUOTES.includes(c)) {
        quoteStart = i;
        state = c as "'" | '"';
      } else if (c === "\\") {
        escaped = "word";
        state = "escape";
      } else {
        token += c;
      }
    } else if (state === "'" || state === '"') {
      quoted = true;
      if (c === state) {
        state = "word";
      } else if (state === '"' && c === "\\") {
        escaped = '"';
        state = "escape";
      } else {
        token += c;
      }
    } else {
      // After a backslash: inside double quotes only `"` and `\` are escaped.
      if (escaped === '"' && c !== "\\" && c !== '"') token += "\\";
      token += c;
      state = escaped;
    }
  }
  if (state === "'" || state === '"') throw new ShlexError("No closing quotation", quoteStart);
  if (state === "escape") throw new ShlexError("No escaped character", line.length - 1);
  if (state === "word") emit();
  return words;
}
