/**
 * One fleet host: a process tree in its own mount, PID and UTS namespaces, chrooted into an
 * overlay over `/`, running sshd on its own loopback address. The shell side lives in
 * `host_init.sh` (mounts), `host_provision.sh` (deploy user, sudo, systemctl, sshd),
 * `host_sshd.sh` (sshd control) and `host_reaper.py` (the host's init).
 *
 * Lifetime: the host's init reads its standard input, a pipe held by this process, and exits
 * when it closes. Its exit makes the kernel kill everything else in the host's PID namespace,
 * and the host's mounts vanish with its mount namespace. Closing the pipe is how `stop()` ends
 * a host, and it also happens by itself when the controller dies, however it dies.
 */
import { within } from "./within.ts";

/** What a command run inside a host did. */
export interface ExecResult {
  /** Exit code (128 plus the signal number when killed by a signal). */
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of `FleetHost.exec()`. */
export interface ExecOptions {
  /** Text written to the command's standard input. @default no input (`/dev/null`) */
  stdin?: string;
  /** Variables added to the command's environment (PATH, HOME=/root, USER, LOGNAME, LANG). */
  env?: Record<string, string>;
}

/** One isolated host of a local test fleet. */
export interface FleetHost {
  /** Inventory name and hostname: "host1", ... or the names given. */
  name: string;
  /** Loopback address its sshd listens on (port 22): "127.0.0.11", ... */
  address: string;
  /** PID (as the controller sees it) of the host's init; every host process descends from its namespace. */
  pid: number;
  /** Runs argv inside the host (its namespaces, chrooted) as root. */
  exec(argv: string[], options?: ExecOptions): Promise<ExecResult>;
  /** Shell convenience: `exec(["sh", "-c", script])`. */
  sh(script: string, options?: ExecOptions): Promise<ExecResult>;
  /** Path on the controller through which the host's filesystem can be read (`/proc/<pid>/root`). */
  root: string;
  /** Stops the listening sshd (new connections are refused); open sessions stay, as with Debian's `systemctl stop ssh`. */
  stopSshd(): Promise<void>;
  /** Starts sshd again and waits until it listens. */
  startSshd(): Promise<void>;
  /** Replaces the host's SSH host key and restarts sshd; the fleet's known_hosts keeps the old key. */
  rotateHostKey(): Promise<void>;
}

/** Where and how to start one host. */
export interface HostSpec {
  name: string;
  address: string;
  /** Directory for the host's overlay (upper/, work/, merged/). */
  dir: string;
  /** The fleet's shared inputs: the host_* scripts, systemctl, deploy key, hosts file. */
  setupDir: string;
}

/** PATH inside hosts: /usr/local first, so the daemonless systemctl wins. */
export const HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

/** A started host, with what the fleet needs to stop it. */
export class RunningHost implements FleetHost {
  readonly name: string;
  readonly address: string;
  readonly pid: number;
  readonly root: string;
  readonly #child: Deno.ChildProcess;
  readonly #lifeline: WritableStreamDefaultWriter<Uint8Array>;
  #stopping?: Promise<void>;

  constructor(
    spec: HostSpec,
    child: Deno.ChildProcess,
    lifeline: WritableStreamDefaultWriter<Uint8Array>,
    pid: number,
  ) {
    this.name = spec.name;
    this.address = spec.address;
    this.pid = pid;
    this.root = `/proc/${pid}/root`;
    this.#child = child;
    this.#lifeline = lifeline;
  }

  async exec(argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (this.#stopping) throw new Error(`Cannot run a command on ${this.name}: the host is stopped`);
    const child = new Deno.Command("nsenter", {
      args: ["--target", String(this.pid), "--mount", "--uts", "--pid", "--root", "--wd", "--", ...argv],
      clearEnv: true,
      env: { PATH: HOST_PATH, HOME: "/root", USER: "root", LOGNAME: "root", LANG: "C.UTF-8", ...options.env },
      stdin: options.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const [, output] = await Promise.all([writeAndClose(child, options.stdin), child.output()]);
    const decoder = new TextDecoder();
    return {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  }

  sh(script: string, options?: ExecOptions): Promise<ExecResult> {
    return this.exec(["sh", "-c", script], options);
  }

  stopSshd(): Promise<void> {
    return this.#sshd("stop");
  }

  startSshd(): Promise<void> {
    return this.#sshd("start");
  }

  async rotateHostKey(): Promise<void> {
    await this.#sshd("stop");
    await this.#sshd("new-key");
    await this.#sshd("start");
  }

  /** Ends the host: closes its init's lifeline, and kills it if it does not go. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  /** Synchronous last resort for process exit: kills the host's init (its namespace dies with it). */
  killNow(): void {
    killQuietly(this.pid);
  }

  async #stop(): Promise<void> {
    this.#child.ref();
    await this.#lifeline.close().catch(() => {});
    const outcome = await within(this.#child.status, STOP_TIMEOUT_MS);
    if (outcome === "timeout") {
      killQuietly(this.pid);
      await this.#child.status;
    }
  }

  async #sshd(action: "start" | "stop" | "new-key"): Promise<void> {
    const result = await this.exec(["sh", "/run/fleet/host_sshd.sh", action]);
    if (result.code !== 0) {
      throw new Error(
        `Cannot ${action} sshd on ${this.name}: ${result.stderr.trim() || `exit code ${result.code}`}`,
      );
    }
  }
}

/**
 * Starts one host and resolves once its sshd listens.
 *
 * @example
 * ```ts ignore
 * const host = await startHost({ name: "host1", address: "127.0.0.11", dir, setupDir });
 * await host.sh("hostname"); // { code: 0, stdout: "host1\n", stderr: "" }
 * await host.stop();
 * ```
 */
export async function startHost(spec: HostSpec): Promise<RunningHost> {
  for (const sub of ["upper", "work", "merged"]) await Deno.mkdir(`${spec.dir}/${sub}`, { recursive: true });
  const child = new Deno.Command("unshare", {
    // --kill-child: if unshare itself is killed, the host's init gets SIGKILL too.
    args: ["--mount", "--pid", "--uts", "--fork", "--kill-child", "/bin/sh", `${spec.setupDir}/host_init.sh`]
      .concat([spec.name, spec.address, spec.dir, spec.setupDir]),
    clearEnv: true,
    env: { PATH: HOST_PATH, LANG: "C.UTF-8" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lifeline = child.stdin.getWriter();
  const stderr = collect(child.stderr.pipeThrough(new TextDecoderStream()).getReader());
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(lineSplitter()).getReader();
  const outcome = await within(readyLine(lines), START_TIMEOUT_MS);
  const pid = outcome === "ready" ? await initPid(child.pid) : undefined;
  if (pid === undefined) {
    if (outcome === "timeout") child.kill("SIGKILL");
    await lifeline.close().catch(() => {});
    await lines.cancel();
    await child.status;
    const reason = outcome === "timeout"
      ? `not ready after ${START_TIMEOUT_MS} ms`
      : (await stderr.text).trim();
    throw new Error(`Cannot start fleet host ${spec.name} (${spec.address}): ${reason || "its init exited"}`);
  }
  // Once ready, unshare writes nothing more: close its pipes, and let a script that forgets
  // stop() exit (its `unload` handler then kills the host) rather than wait for the host.
  await Promise.all([lines.cancel(), stderr.cancel()]);
  child.unref();
  return new RunningHost(spec, child, lifeline, pid);
}

/** Collects a stream's text in the background until it ends or is cancelled. */
function collect(
  reader: ReadableStreamDefaultReader<string>,
): { text: Promise<string>; cancel(): Promise<void> } {
  let text = "";
  const done = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return text;
      text += value;
    }
  })();
  return { text: done, cancel: () => reader.cancel() };
}

/** Reads lines until the init's "ready" (sshd listens) or the end of its output. */
async function readyLine(reader: ReadableStreamDefaultReader<string>): Promise<"ready" | "exited"> {
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return "exited";
    if (value === "ready") return "ready";
  }
}

function lineSplitter(): TransformStream<string, string> {
  let rest = "";
  return new TransformStream({
    transform(chunk, controller) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      for (const line of parts) controller.enqueue(line);
    },
    flush(controller) {
      if (rest !== "") controller.enqueue(rest);
    },
  });
}

/** The PID namespace's init is unshare's only child. */
async function initPid(unsharePid: number): Promise<number | undefined> {
  const children = await Deno.readTextFile(`/proc/${unsharePid}/task/${unsharePid}/children`).catch(() => "");
  const pid = Number.parseInt(children.trim().split(" ")[0], 10);
  return Number.isNaN(pid) ? undefined : pid;
}

async function writeAndClose(child: Deno.ChildProcess, stdin: string | undefined): Promise<void> {
  if (stdin === undefined) return;
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin)).catch(() => {});
  await writer.close().catch(() => {});
}

function killQuietly(pid: number): void {
  try {
    Deno.kill(pid, "SIGKILL");
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
