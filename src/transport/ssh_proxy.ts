/**
 * The streams an SSH connection can run over instead of a TCP socket: the stdio of a
 * `ProxyCommand` (as OpenSSH runs it: `sh -c COMMAND`), or a `direct-tcpip` channel of a
 * jump host's connection (`ProxyJump`, ssh2's `forwardOut`).
 */

import { type ChildProcess, spawn } from "node:child_process";
import { Buffer } from "node:buffer";
import { Duplex } from "node:stream";
import type { SshClient } from "./ssh_channel.ts";

/** A stream to hand to ssh2 as `sock`, and how to end what carries it. */
export interface ProxyStream {
  sock: Duplex;
  /** What the proxy said on stderr so far (a `ProxyCommand`'s error messages). */
  stderr(): string;
  /** Ends the proxy (kills the command); safe to call twice. */
  close(): void;
}

/**
 * Runs `command` with `sh -c` and returns a stream over its stdin and stdout; its stderr
 * is kept for error messages.
 *
 * @example
 * ```ts ignore
 * import { proxyCommandStream } from "./ssh_proxy.ts";
 * const proxy = proxyCommandStream("ssh -W 10.0.0.5:22 bastion");
 * // new NodeSSH().connect({ sock: proxy.sock, ... }), then proxy.close()
 * ```
 */
export function proxyCommandStream(command: string): ProxyStream {
  const child: ChildProcess = spawn("sh", ["-c", command], { stdio: ["pipe", "pipe", "pipe"] });
  let errors = "";
  child.stderr!.on("data", (chunk: Uint8Array) => {
    if (errors.length < 8192) errors += new TextDecoder().decode(chunk);
  });
  const stdout = child.stdout!;
  const stdin = child.stdin!;
  const sock = new Duplex({
    read() {
      stdout.resume();
    },
    write(chunk, _encoding, callback) {
      stdin.write(chunk, (error) => callback(error ?? null));
    },
    final(callback) {
      stdin.end(() => callback());
    },
    destroy(error, callback) {
      kill();
      callback(error);
    },
  });
  stdout.on("data", (chunk) => {
    if (!sock.push(chunk)) stdout.pause();
  });
  stdout.on("end", () => sock.push(null));
  stdin.on("error", () => {}); // EPIPE once the command is gone: stdout's end says so
  child.on("error", (error) => sock.destroy(error));
  let killed = false;
  const kill = () => {
    if (killed || child.exitCode !== null) return;
    killed = true;
    child.kill("SIGTERM");
  };
  return { sock, stderr: () => errors.trim(), close: kill };
}

/**
 * Opens a `direct-tcpip` channel from the jump host's connection to `host:port` (which
 * the jump host resolves and connects to).
 *
 * @throws the error of ssh2 when the jump host refuses or cannot connect
 */
export function forwardStream(jump: SshClient, host: string, port: number): Promise<ProxyStream> {
  const client = jump as unknown as {
    forwardOut(
      srcIP: string,
      srcPort: number,
      dstIP: string,
      dstPort: number,
      callback: (error: Error | undefined, stream: Duplex) => void,
    ): void;
  };
  return new Promise((resolve, reject) => {
    try {
      client.forwardOut("127.0.0.1", 0, host, port, (error, stream) => {
        if (error) return reject(error);
        resolve({ sock: _deferred(stream), stderr: () => "", close: () => stream.destroy() });
      });
    } catch (error) {
      reject(error); // "Not connected"
    }
  });
}

/**
 * The same stream, with each write and each chunk read passed on in a later microtask.
 * ssh2's JavaScript chacha20-poly1305 (the one Deno gets) keeps its nonce in module-level
 * buffers: a connection whose socket is another connection's channel would encrypt (and
 * decrypt) the outer packet in the middle of the inner one and corrupt both. Inbound chunks
 * are copied, since ssh2 may reuse the buffer they are a slice of.
 */
function _deferred(stream: Duplex): Duplex {
  const wrapper = new Duplex({
    read() {
      stream.resume();
    },
    write(chunk, _encoding, callback) {
      queueMicrotask(() => {
        if (stream.destroyed) return callback(new Error("the jump host's channel is closed"));
        stream.write(chunk);
        callback();
      });
    },
    final(callback) {
      queueMicrotask(() => stream.end(() => callback()));
    },
    destroy(error, callback) {
      stream.destroy();
      callback(error);
    },
  });
  stream.on("data", (chunk: Uint8Array) => {
    const copy = Buffer.from(chunk);
    queueMicrotask(() => {
      if (!wrapper.push(copy)) stream.pause();
    });
  });
  stream.on("end", () => queueMicrotask(() => wrapper.push(null)));
  stream.on("close", () => queueMicrotask(() => wrapper.destroy()));
  stream.on("error", (error: Error) => queueMicrotask(() => wrapper.destroy(error)));
  return wrapper;
}
