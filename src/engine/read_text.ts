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
