/** A pure parser of cargo's human-readable output lines. */

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const COMPILING = /^\s*Compiling ([A-Za-z0-9_.-]+) v(\S+)/;

/**
 * Returns the package a `Compiling NAME vVERSION (...)` line starts, or undefined for any
 * other line. Colour codes are ignored.
 *
 * @example
 * ```ts
 * import { compilingUnit } from "./cargo_output.ts";
 * compilingUnit("   Compiling common v0.1.0 (/src/flame/common)"); // => "common"
 * ```
 */
export function compilingUnit(line: string): string | undefined {
  return COMPILING.exec(line.replace(ANSI, ""))?.[1];
}

/** Removes ANSI escape sequences from a line. */
export function stripAnsi(line: string): string {
  return line.replace(ANSI, "");
}
