/**
 * Runs a local command and hands each line of its output (stdout and stderr, as they
 * arrive) to a callback. The build uses it for `cargo build` and `pip wheel`.
 */

import { CancelledError } from "../../src/engine/errors.ts";

/** Options of {@linkcode streamLines}. */
export interface StreamOptions {
  /** Working directory. @default the current one */
  cwd?: string;
  /** Variables added to the inherited environment. */
  env?: Record<string, string>;
  /** Kills the command (SIGTERM) and rejects with `CancelledError`. */
  signal?: AbortSignal;
  /** Called with every line of output, without its line ending. */
  onLine: (line: string) => void;
}

/**
 * Runs `command` with `args`, streaming its output line by line; resolves with its exit
 * code. Throws `Deno.errors.NotFound` when the command does not exist.
 *
 * @example
 * ```ts ignore
 * const code = await streamLines("cargo", ["build"], { onLine: console.log });
 * ```
 */
export async function streamLines(command: string, args: string[], options: StreamOptions): Promise<number> {
  if (options.signal?.aborted) throw new CancelledError();
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: options.signal,
  }).spawn();
  const [status] = await Promise.all([
    child.status,
    _pump(child.stdout, options.onLine),
    _pump(child.stderr, options.onLine),
  ]);
  if (options.signal?.aborted) throw new CancelledError();
  return status.code;
}

async function _pump(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n")) >= 0) {
      onLine(buffer.slice(0, end).replace(/\r$/, ""));
      buffer = buffer.slice(end + 1);
    }
  }
  buffer += decoder.decode();
  if (buffer !== "") onLine(buffer.replace(/\r$/, ""));
}

/** Runs a command to completion and returns its exit code and decoded output. */
export async function capture(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  if (options.signal?.aborted) throw new CancelledError();
  const output = await new Deno.Command(command, {
    args,
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    signal: options.signal,
  }).output();
  if (options.signal?.aborted) throw new CancelledError();
  const decoder = new TextDecoder();
  return { code: output.code, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
}
