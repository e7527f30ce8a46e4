import { dirname } from "node:path";
import { abortError } from "./abort.ts";
import { unpackFile } from "./packing.ts";
import type { Connection, InputPieces, PutOptions, RunOptions, RunResult, Transport } from "./transport.ts";
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
    const { signal } = options;
    if (signal?.aborted) throw abortError(signal, `Cancelled before running on ${this.connection.name}`);
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
    }).spawn();
    // On abort, the command's whole process tree gets SIGTERM (a shell's children do not
    // die with it), and the run stops waiting for pipes a straggler may hold open.
    let onAbort = () => {};
    const aborted = new Promise<"aborted">((resolve) => {
      onAbort = () => {
        _terminateTree(child.pid);
        resolve("aborted");
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    // Not awaited: a command that stalls before reading its input must not stall this.
    if (stdin !== undefined) writeInput(child.stdin, stdin).then(options.onInputSent, () => {});
    const finished = Promise.all([
      readText(child.stdout, options.onStdout),
      readText(child.stderr),
      child.status,
    ]);
    let outcome: Awaited<typeof finished> | "aborted";
    try {
      outcome = await Promise.race([finished, aborted]);
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
    if (outcome === "aborted" || signal?.aborted) {
      // Give the tree a moment to go, then leave it: the pipes are released either way.
      await Promise.race([child.status, new Promise((resolve) => setTimeout(resolve, 2000))]);
      finished.catch(() => {});
      throw abortError(signal, `Cancelled while running on ${this.connection.name}`);
    }
    const [stdout, stderr, status] = outcome;
    return { code: status.signal ? 128 + signalNumber(status.signal) : status.code, stdout, stderr };
  }

  async put(source: string | Uint8Array, remotePath: string, options: PutOptions = {}): Promise<void> {
    await Deno.mkdir(dirname(remotePath), { recursive: true, mode: 0o700 });
    if (typeof source === "string" && options.packed) await unpackFile(source, remotePath, options.packed);
    else if (typeof source === "string") await Deno.copyFile(source, remotePath);
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

/** Writes the input, pieces in order (files in chunks), and closes the command's stdin. */
async function writeInput(
  stdin: WritableStream<Uint8Array>,
  input: string | Uint8Array | InputPieces,
): Promise<void> {
  const writer = stdin.getWriter();
  const pieces = typeof input === "string"
    ? [new TextEncoder().encode(input)]
    : input instanceof Uint8Array
    ? [input]
    : input;
  for await (const piece of pieces) {
    if (piece instanceof Uint8Array) {
      await writer.write(piece);
      continue;
    }
    using file = await Deno.open(piece.file);
    for await (const chunk of file.readable) await writer.write(chunk);
  }
  await writer.close();
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

/** Sends SIGTERM to a process and all its descendants (children first found, then killed all at once). */
function _terminateTree(pid: number): void {
  const tree: number[] = [];
  const walk = (parent: number) => {
    tree.push(parent);
    let children = "";
    try {
      children = Deno.readTextFileSync(`/proc/${parent}/task/${parent}/children`);
    } catch {
      return; // gone already, or no /proc
    }
    for (const child of children.trim().split(/\s+/).filter(Boolean)) walk(Number(child));
  };
  walk(pid);
  for (const member of tree) {
    try {
      Deno.kill(member, "SIGTERM");
    } catch {
      // Gone already, or not ours to signal (a command sudo runs as root: sudo relays it).
    }
  }
}

function signalNumber(signal: Deno.Signal): number {
  const numbers: Partial<Record<Deno.Signal, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return numbers[signal] ?? 0;
}
