/**
 * Resolves with `promise`'s value, or with "timeout" once `ms` have passed (the promise itself
 * is not cancelled).
 *
 * @example
 * ```ts
 * import { within } from "./within.ts";
 *
 * const late = new Promise((resolve) => setTimeout(resolve, 50));
 * console.assert(await within(late, 1) === "timeout");
 * await late;
 * ```
 */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) =>
    timer = setTimeout(() => resolve("timeout"), Math.max(ms, 0))
  );
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
