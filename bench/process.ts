/**
 * Runs one measured command: wall time from spawn to exit and, when asked, the peak
 * resident set size of the process (GNU time's `%M` when `/usr/bin/time` exists, else the
 * process's own `VmHWM`, read from `/proc` while it runs).
 */

/** What a measured command did. */
export interface Timed {
  seconds: number;
  code: number;
  stdout: string;
  stderr: string;
  /** Peak RSS of the process in MB (10^6 bytes), when measured. */
  peakRssMb?: number;
}

/** Options of `timed()`. */
export interface TimedOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Measure the process's peak RSS. @default false */
  rss?: boolean;
}

const GNU_TIME = "/usr/bin/time";
const POLL_MS = 20;

/** Runs `name args`, returning its output, exit code and wall time. */
export async function timed(name: string, args: string[], options: TimedOptions = {}): Promise<Timed> {
  const useTime = options.rss === true && await exists(GNU_TIME);
  const rssFile = useTime ? await Deno.makeTempFile({ prefix: "bench-rss-" }) : undefined;
  try {
    const [program, argv] = rssFile ? [GNU_TIME, ["-f", "%M", "-o", rssFile, name, ...args]] : [name, args];
    const started = performance.now();
    const child = new Deno.Command(program, {
      args: argv,
      env: options.env,
      cwd: options.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const polling = options.rss && !rssFile ? pollPeak(child.pid, child.status) : undefined;
    const output = await child.output();
    const seconds = (performance.now() - started) / 1000;
    const decoder = new TextDecoder();
    let peakKb: number | undefined;
    if (rssFile) {
      const lines = (await Deno.readTextFile(rssFile)).trim().split("\n");
      peakKb = Number(lines.at(-1));
    } else if (polling) peakKb = await polling;
    return {
      seconds,
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
      ...(peakKb !== undefined && Number.isFinite(peakKb) ? { peakRssMb: (peakKb * 1024) / 1e6 } : {}),
    };
  } finally {
    if (rssFile) await Deno.remove(rssFile).catch(() => {});
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
