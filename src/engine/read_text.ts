/**
 * Shell that reads small text files with the shell's own `read`, where `$(cat …)` would
 * start two processes (a subshell and cat) on every host.
 */
import { quote } from "../transport/quote.ts";

/** Shell that sets `variable` to the first line of `path`, empty when there is none. */
export function readLine(variable: string, path: string): string {
  return `${variable}=; [ ! -r ${quote(path)} ] || IFS= read -r ${variable} < ${quote(path)} || :`;
}

/**
 * Shell that prints the text file at `path` (a shell word, quoted or not) line by line, a
 * newline after the last; nothing when it is not readable.
 */
export function printLines(path: string): string {
  return `[ ! -r ${path} ] || while IFS= read -r muster_line || [ -n "$muster_line" ]; do ` +
    `printf '%s\\n' "$muster_line"; done < ${path}`;
}

/**
 * Shell that prints the text file at `path` (a shell word, quoted or not) with its lines
 * joined, no newline at all (as `tr -d '\n' <` does); nothing when it is not readable.
 */
export function printJoined(path: string): string {
  return `[ ! -r ${path} ] || while IFS= read -r muster_line || [ -n "$muster_line" ]; do ` +
    `printf '%s' "$muster_line"; done < ${path}`;
}

/**
 * Shell that prints the text file at `path` (a shell word, quoted or not) exactly, its last
 * line as it ends (with a newline or without); nothing when it is not readable. NUL bytes do
 * not survive the shell.
 */
export function printExact(path: string): string {
  return `muster_line=; [ ! -r ${path} ] || while IFS= read -r muster_line; do ` +
    `printf '%s\\n' "$muster_line"; done < ${path}; printf '%s' "$muster_line"`;
}

/** Largest text `holdsExactly` compares: beyond, reading a byte at a time costs more than a process. */
export const EXACT_COMPARE_BYTES = 4096;

/**
 * Shell that succeeds when the text file at `path` holds exactly `text` (its last line as it
 * ends), read by the shell's own `read`, where `sha256sum -c` would start a process; fails
 * when it differs or cannot be read. For texts of at most `EXACT_COMPARE_BYTES` without NUL
 * (NUL bytes do not survive the shell).
 */
export function holdsExactly(path: string, text: string): string {
  return `{ muster_text=; muster_line=; [ -r ${quote(path)} ] && { while IFS= read -r muster_line; do ` +
    `muster_text="$muster_text$muster_line
"; done < ${quote(path)}; ` +
    `[ "$muster_text$muster_line" = ${quote(text)} ]; }; }`;
}
