/**
 * One command on an SSH exec channel: feed its stdin with backpressure, collect its
 * output as bytes, take its exit status, and stop it on abort. Plus the semaphore that
 * keeps a connection within the server's channel limit.
 */

import { Buffer } from "node:buffer";
import type { EventEmitter } from "node:events";
import type { Duplex, Readable } from "node:stream";
import { noteUploaded } from "./collect.ts";
import type { InputPieces } from "./transport.ts";

/** The part of ssh2's `Client` the SSH transport uses. */
export interface SshClient extends EventEmitter {
  exec(command: string, callback: (error: Error | undefined, channel: SshChannel) => void): unknown;
  end(): unknown;
}

/** The part of ssh2's exec `ClientChannel` the SSH transport uses. */
export interface SshChannel extends Duplex {
  stderr: Readable;
  signal(name: string): void;
  close(): void;
}

/**
 * A channel just opened, with its exit status as recorded from the first moment: ssh2
 * emits "exit" once and does not replay it, and when a quick command's packets arrive
 * together it emits it in the same tick as the channel opens, before any awaiting code
 * can listen.
 */
export interface OpenedChannel {
  channel: SshChannel;
  /** The exit code (128 + n for signal n), once the server has sent it. */
  exitCode(): number | undefined;
}

/**
 * Opens an exec channel for `command` and starts recording its exit status at once.
 * Rejects with ssh2's error when the server refuses the channel.
 */
export function openChannel(client: SshClient, command: string): Promise<OpenedChannel> {
  return new Promise((resolve, reject) => {
    try {
      client.exec(command, (error, channel) => {
        if (error) return reject(error);
        let code: number | undefined;
        channel.once("exit", (exitCode: number | null, signalName?: string) => {
          code = exitCode ?? 128 + (_SIGNALS[signalName ?? ""] ?? 0);
        });
        resolve({ channel, exitCode: () => code });
      });
    } catch (error) {
      reject(error); // ssh2 throws "Not connected" synchronously
    }
  });
}

/** What goes to a command's stdin: text, bytes, or an open file read to its end. */
export type ChannelInput = string | Uint8Array | Deno.FsFile | InputPieces;

/** Options of `driveChannel`. */
export interface DriveOptions {
  input?: ChannelInput;
  signal?: AbortSignal;
  onStdout?: (chunk: string) => void;
  /** Called once the whole input is sent. */
  onInputSent?: () => void;
  /** The error to reject with when `signal` aborts. */
  cancelled: () => Error;
  /** The error to reject with when the channel closes without an exit status, if the connection is gone. */
  lost: () => Error | undefined;
}

/** What a command on a channel did. */
export interface ChannelResult {
  /** Exit code; 128 + n when killed by signal n; 255 when the server sent no exit status. */
  code: number;
  stdout: Buffer;
  stderr: string;
}

/**
 * Runs the command already started on `channel` to its end. On abort the command's
 * process group gets SIGTERM (where sshd allows it), the channel is closed and the
 * promise rejects with `cancelled()` at once.
 */
export function driveChannel(opened: OpenedChannel, options: DriveOptions): Promise<ChannelResult> {
  const { channel } = opened;
  const { signal, onStdout } = options;
  return new Promise((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const decoder = new TextDecoder();
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      outcome();
    };
    const fail = (error: unknown) =>
      settle(() => {
        channel.close();
        reject(error);
      });
    const onAbort = () =>
      settle(() => {
        _sendSignal(channel, "TERM");
        channel.close();
        reject(options.cancelled());
      });

    channel.on("data", (chunk: Buffer) => {
      stdout.push(chunk);
      if (!onStdout || settled) return;
      try {
        onStdout(decoder.decode(chunk, { stream: true }));
      } catch (error) {
        fail(error);
      }
    });
    channel.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    channel.on("error", (error: Error) => fail(options.lost() ?? error));
    channel.on("close", () => {
      const done = () =>
        settle(() => {
          const code = opened.exitCode();
          const lost = code === undefined ? options.lost() : undefined;
          if (lost) return reject(lost);
          const tail = decoder.decode();
          if (tail && onStdout) onStdout(tail);
          resolve({
            code: code ?? 255,
            stdout: Buffer.concat(stdout),
            stderr: Buffer.concat(stderr).toString(),
          });
        });
      if (channel.stderr.readableEnded) done();
      else channel.stderr.once("end", done);
    });

    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    _feed(channel, options.input).then(() => options.onInputSent?.(), fail);
  });
}

/**
 * A counting semaphore: at most `size` holders at once, the rest wait in order.
 *
 * @example
 * ```ts
 * import { Slots } from "./ssh_channel.ts";
 * const slots = new Slots(1);
 * const release = await slots.acquire();
 * release?.();
 * ```
 */
export class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(size: number) {
    this.#free = size;
  }

  /** Resolves with a release function, or undefined if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<(() => void) | undefined> {
    const release = () => {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve(release);
    }
    return new Promise((resolve) => {
      const grant = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve(release);
      };
      const onAbort = () => {
        this.#waiting.splice(this.#waiting.indexOf(grant), 1);
        resolve(undefined);
      };
      this.#waiting.push(grant);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

/**
 * Sends a signal to the command's process group (sshd does `killpg`). ssh2's
 * `channel.signal()` refuses once stdin is closed, although SSH allows it after EOF,
 * so this goes one level down to ssh2's protocol object.
 */
function _sendSignal(channel: SshChannel, name: string): void {
  const internal = channel as unknown as {
    outgoing?: { id: number; state: string };
    _client?: { _protocol?: { signal?: (id: number, name: string) => void } };
  };
  const protocol = internal._client?._protocol;
  const outgoing = internal.outgoing;
  if (typeof protocol?.signal === "function" && (outgoing?.state === "open" || outgoing?.state === "eof")) {
    protocol.signal(outgoing.id, name);
  } else {
    channel.signal(name);
  }
}

/** Writes the input to the channel's stdin, respecting backpressure, then sends EOF. */
async function _feed(channel: SshChannel, input: ChannelInput | undefined): Promise<void> {
  if (input === undefined) return void channel.end();
  if (typeof input === "string") return void channel.end(Buffer.from(input));
  if (input instanceof Uint8Array) {
    return void channel.end(Buffer.from(input.buffer, input.byteOffset, input.length));
  }
  const open = _openState(channel);
  if (input instanceof Deno.FsFile) {
    await _feedFile(channel, input, open);
  } else {
    for await (const piece of input) {
      if (!open.open) break;
      if (piece instanceof Uint8Array) await _feedBytes(channel, piece, open);
      else {
        using file = await Deno.open(piece.file);
        await _feedFile(channel, file, open);
      }
    }
  }
  if (open.open) channel.end();
}

/** Whether the channel is still open, and a way to wait until a write completes or it closes. */
interface OpenState {
  open: boolean;
  wake: () => void;
}

function _openState(channel: SshChannel): OpenState {
  const state: OpenState = { open: true, wake: () => {} };
  channel.once("close", () => {
    state.open = false;
    state.wake();
  });
  return state;
}

/** Writes bytes and waits until ssh2 has taken them (or the channel closed). */
async function _feedBytes(channel: SshChannel, bytes: Uint8Array, state: OpenState): Promise<void> {
  noteUploaded(bytes.length);
  await new Promise<void>((resolve) => {
    state.wake = resolve;
    channel.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), () => resolve());
  });
}

/** Size of each of a file upload's buffers. */
const FILE_CHUNK = 128 * 1024;
/** Buffers per file upload: one being read while the others are sent. */
const FILE_BUFFERS = 3;

/**
 * Streams a file through a few buffers reused for its whole length. ssh2 copies each
 * chunk into its packets before calling the write callback, so a buffer is free again
 * then. Fresh buffers per chunk made the controller's RSS grow by ~10 MB per upload in
 * flight, garbage the allocator kept after it was collected. Returns once every chunk is
 * taken, so that what is written next follows it.
 */
async function _feedFile(channel: SshChannel, file: Deno.FsFile, state: OpenState): Promise<void> {
  const free = Array.from({ length: FILE_BUFFERS }, () => Buffer.allocUnsafe(FILE_CHUNK));
  let reading = true;
  while (state.open && (reading || free.length < FILE_BUFFERS)) {
    const buffer = reading ? free.pop() : undefined;
    if (!buffer) {
      await new Promise<void>((resolve) => state.wake = resolve);
      continue;
    }
    const read = await file.read(buffer);
    if (read === null) {
      free.push(buffer);
      reading = false;
      continue;
    }
    noteUploaded(read);
    channel.write(buffer.subarray(0, read), () => {
      free.push(buffer);
      state.wake();
    });
  }
}

/** Signal numbers on Linux, by the names ssh2 reports (`SIG` + the SSH name). */
const _SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
};
