/**
 * Where the values of a loaded YAML or JSON file came from. The loaders record, for every
 * mapping they build, the position of each key and of its value, so later checks (a bad
 * group, a bad variable) can name the file, line and column.
 */

import type { SourcePosition } from "../engine/errors.ts";

/** Where one entry of a mapping was written. */
export interface EntryPosition {
  /** Position of the key. */
  key: SourcePosition;
  /** Position of the value (the key's, when the value is empty). */
  value: SourcePosition;
  /** The key as YAML typed it (a number for `1:`, a boolean for `yes:`). */
  raw: unknown;
}

const entries = new WeakMap<object, Map<string, EntryPosition>>();

/** Records the position of a mapping entry (the last definition of a key wins). */
export function recordEntry(map: object, key: string, position: EntryPosition): void {
  let known = entries.get(map);
  if (!known) {
    known = new Map();
    entries.set(map, known);
  }
  known.set(key, position);
}

/** The position of an entry of a loaded mapping, if it was recorded. */
export function entryPosition(map: object, key: string): EntryPosition | undefined {
  return entries.get(map)?.get(key);
}

/** Sets a key on a plain object, `__proto__` included. */
export function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/**
 * The keys of a loaded mapping in the order they were written. JavaScript objects list
 * integer-like keys first; Python dicts (and so Ansible) keep the written order.
 */
export function orderedKeys(map: object): string[] {
  const known = entries.get(map);
  return known ? [...known.keys()] : Object.keys(map);
}
