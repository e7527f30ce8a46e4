/**
 * Runs one measured command: wall time from spawn to exit and, through `/usr/bin/time`
 * when it exists, the CPU time of the process and its children and the peak resident set
 * size of the largest of them (GNU time's `%U`, `%S`, `%M`). Without GNU time, the peak RSS
 * is the process's own `VmHWM`, read from `/proc` while it runs, and the CPU time is unknown.
 */

/** What a measured command did. */
export interface Timed {
  seconds: number;
  code: number;
  stdout: string;
  stderr: string;
  /** Peak RSS in MB (10^6 bytes) of the process, or of the largest of its children. */
  peakRssMb?: number;
  /** User plus system CPU seconds of the process and every child it waited for. */
  cpuSeconds?: number;
}

/** Options of `timed()`. */
export interface TimedOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Measure the peak RSS even without GNU time (by polling /proc). @default false */
  rss?: boolean;
}

const GNU_TIME = "/usr/bin/time";
const POLL_MS = 20;

/** Runs `name args`, returning its output, exit code and wall time. */
export async function timed(name: string, args: string[], options: TimedOptions = {}): Promise<Timed> {
  const usageFile = await exists(GNU_TIME) ? await Deno.makeTempFile({ prefix: "bench-usage-" }) : undefined;
  try {
    const [program, argv] = usageFile
      ? [GNU_TIME, ["-f", "%M %U %S", "-o", usageFile, name, ...args]]
      : [name, args];
    const started = performance.now();
    const child = new Deno.Command(program, {
      args: argv,
      env: options.env,
      cwd: options.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const polling = options.rss && !usageFile ? pollPeak(child.pid, child.status) : undefined;
    const output = await child.output();
    const seconds = (performance.now() - started) / 1000;
    const decoder = new TextDecoder();
    const usage: Partial<Timed> = {};
    if (usageFile) {
      // GNU time puts "Command exited with non-zero status N" before the figures.
      const last = (await Deno.readTextFile(usageFile)).trim().split("\n").at(-1) ?? "";
      const [peakKb, user, system] = last.split(" ").map(Number);
      if (Number.isFinite(peakKb)) usage.peakRssMb = (peakKb * 1024) / 1e6;
      if (Number.isFinite(user + system)) usage.cpuSeconds = user + system;
    } else if (polling) {
      const peakKb = await polling;
      if (peakKb !== undefined) usage.peakRssMb = (peakKb * 1024) / 1e6;
    }
    return {
      seconds,
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
      ...usage,
    };
  } finally {
    if (usageFile) await Deno.remove(usageFile).catch(() => {});
  }
}

/** The highest `VmHWM` (kB) seen in `/proc/PID/status` until the process ends. */
async function pollPeak(pid: number, done: Promise<unknown>): Promise<number | undefined> {
  let peak: number | undefined;
  let running = true;
  done.then(() => running = false, () => running = false);
  while (running) {
    const status = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => "");
    const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]);
    if (Number.isFinite(kb) && kb > (peak ?? 0)) peak = kb;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return peak;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
