import { dirname } from "node:path";
import { CancelledError } from "../engine/errors.ts";
import type { Connection, PutOptions, RunOptions, RunResult, Transport } from "./transport.ts";
import { becomeInput, wrapCommand } from "./wrap.ts";

/**
 * The local transport: commands run with `sh -c` on this machine through `Deno.Command`.
 * `become` goes through `sudo -n` unless muster already runs as the user to become.
 */
export class LocalTransport implements Transport {
  readonly connection: Connection;
  constructor(connection: Connection) {
    this.connection = connection;
  }

  async run(command: string, options: RunOptions = {}): Promise<RunResult> {
    if (options.signal?.aborted) {
      throw new CancelledError(`Cancelled before running on ${this.connection.name}`);
    }
    const become = (options.become ?? this.connection.become) && !this.#alreadyBecome();
    const password = become ? this.connection.becomePassword : undefined;
    const stdin = password ? becomeInput(password, options.stdin) : options.stdin;
    const wrapped = wrapCommand(command, {
      become,
      becomeUser: this.connection.becomeUser,
      askPassword: password !== undefined,
    });
    const child = new Deno.Command("sh", {
      args: ["-c", wrapped],
      stdin: stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      signal: options.signal,
    }).spawn();
    if (stdin !== undefined) {
      const writer = child.stdin.getWriter();
      const data = typeof stdin === "string" ? new TextEncoder().encode(stdin) : stdin;
      await writer.write(data).catch(() => {});
      await writer.close().catch(() => {});
    }
    const [stdout, stderr, status] = await Promise.all([
      readText(child.stdout, options.onStdout),
      readText(child.stderr),
      child.status,
    ]);
    if (options.signal?.aborted) {
      throw new CancelledError(`Cancelled while running on ${this.connection.name}`);
    }
    return { code: status.signal ? 128 + signalNumber(status.signal) : status.code, stdout, stderr };
  }

  async put(source: string | Uint8Array, remotePath: string, options: PutOptions = {}): Promise<void> {
    await Deno.mkdir(dirname(remotePath), { recursive: true, mode: 0o700 });
    if (typeof source === "string") await Deno.copyFile(source, remotePath);
    else await Deno.writeFile(remotePath, source);
    await Deno.chmod(remotePath, options.mode ?? 0o600);
  }

  get(remotePath: string): Promise<Uint8Array> {
    return Deno.readFile(remotePath);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  #alreadyBecome(): boolean {
    const user = this.connection.becomeUser;
    return user === "root" ? Deno.uid() === 0 : Deno.env.get("USER") === user;
  }
}

async function readText(
  stream: ReadableStream<Uint8Array>,
  onChunk?: (chunk: string) => void,
): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream) {
    const part = decoder.decode(chunk, { stream: true });
    text += part;
    onChunk?.(part);
  }
  return text + decoder.decode();
}

function signalNumber(signal: Deno.Signal): number {
  const numbers: Partial<Record<Deno.Signal, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return numbers[signal] ?? 0;
}
