import { CancelledError, MusterError } from "../engine/errors.ts";

/**
 * The error of a command or connection stopped by `signal`: its reason when that is a
 * `MusterError` (the engine aborts a host out of time with its timeout error), else a
 * `CancelledError` with `message`.
 *
 * @example
 * ```ts
 * import { abortError } from "./abort.ts";
 * const controller = new AbortController();
 * controller.abort();
 * abortError(controller.signal, "Cancelled: command on web1 aborted").exitCode; // => 130
 * ```
 */
export function abortError(signal: AbortSignal | undefined, message: string): MusterError {
  return signal?.reason instanceof MusterError ? signal.reason : new CancelledError(message);
}
