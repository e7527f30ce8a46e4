/** Small assertion helpers over `node:assert` (JSR's `@std/assert` is not reachable here). */

import { deepStrictEqual, ok } from "node:assert/strict";

export function assert(condition: unknown, message?: string): asserts condition {
  ok(condition, message);
}

export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  deepStrictEqual(actual, expected, message);
}

export function assertStringIncludes(actual: string, expected: string): void {
  ok(actual.includes(expected), `Expected ${JSON.stringify(actual)} to include ${JSON.stringify(expected)}`);
}

export function assertInstanceOf<T>(
  value: unknown,
  type: abstract new (...args: never[]) => T,
): asserts value is T {
  ok(value instanceof type, `Expected an instance of ${type.name}, got ${String(value)}`);
}

/** Awaits `fn`, asserts that it rejects with an instance of `type` (whose message includes `includes`), returns the error. */
export async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  type: abstract new (...args: never[]) => E,
  includes?: string,
): Promise<E> {
  let error: unknown;
  try {
    await fn();
  } catch (caught) {
    error = caught;
  }
  if (error === undefined) throw new Error(`Expected a ${type.name}, but the call resolved`);
  if (!(error instanceof type)) throw new Error(`Expected a ${type.name}, got: ${error}`, { cause: error });
  if (includes !== undefined) assertStringIncludes(error.message, includes);
  return error;
}
