/**
 * The streams an SSH connection can run over instead of a TCP socket: the stdio of a
 * `ProxyCommand` (as OpenSSH runs it: `sh -c COMMAND`), or a `direct-tcpip` channel of a
 * jump host's connection (`ProxyJump`, ssh2's `forwardOut`).
 */

import { type ChildProcess, spawn } from "node:child_process";
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
        resolve({ sock: stream, stderr: () => "", close: () => stream.destroy() });
      });
    } catch (error) {
      reject(error); // "Not connected"
    }
  });
}
