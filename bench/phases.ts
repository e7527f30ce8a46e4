/**
 * Where muster's time goes, outside the measured table: muster's commands run in this
 * process through the library API, timing the engine's `host-phase` events per host
 * (connect, facts, plan, apply: the uploads and one script with the verification), and
 * muster's SSH transport alone doing this install's transfers (connect, the four binaries,
 * one command), which is what the engine cannot go below.
 */
import { install, uninstall } from "../mod.ts";
import { connectTo } from "../src/commands/connect.ts";
import { loadTargets } from "../src/commands/targets.ts";
import type { RunEvent } from "../src/engine/events.ts";
import type { RunReport } from "../src/engine/result.ts";
import type { BenchContext } from "./context.ts";
import { median } from "./stats.ts";
import { BINARIES } from "./workload.ts";

/** Seconds per phase (the median host and the slowest one), plus what comes before the hosts. */
export interface PhaseTimes {
  /** From the call to the first host starting: inventory, source check, binaries' checksums. */
  prepareSeconds: number;
  /** Per phase, in the order the hosts go through them. */
  phases: { phase: string; medianSeconds: number; maxSeconds: number }[];
  /** How long after the first host the last one started. */
  lastStartSeconds?: number;
  /** From the last host's end to the end of the call: closing connections, the report. */
  afterSeconds?: number;
  /** The whole call. */
  totalSeconds: number;
  /**
   * The thread muster's engine ran on (this process's): seconds on a CPU, and seconds it
   * was ready to run but waited for one (`/proc/thread-self/schedstat`), where Linux says.
   */
  thread?: ThreadTimes;
  /** Anything odd seen on the way. */
  notes?: string[];
}

/** A thread's time on a CPU and waiting for one, in seconds. */
export interface ThreadTimes {
  runSeconds: number;
  waitSeconds: number;
}

/**
 * This thread's time on a CPU and ready but waiting for one, since it started (the first
 * two fields of `/proc/thread-self/schedstat`, in nanoseconds); undefined where /proc has no
 * schedstat.
 */
export function threadTimes(): ThreadTimes | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync("/proc/thread-self/schedstat");
  } catch {
    return undefined;
  }
  const [run, wait] = text.trim().split(/\s+/).map(Number);
  return Number.isFinite(run) && Number.isFinite(wait)
    ? { runSeconds: run / 1e9, waitSeconds: wait / 1e9 }
    : undefined;
}

/** What a thread spent between two readings of `threadTimes()`. */
export function threadSpent(before?: ThreadTimes, after?: ThreadTimes): ThreadTimes | undefined {
  if (!before || !after) return undefined;
  return {
    runSeconds: after.runSeconds - before.runSeconds,
    waitSeconds: after.waitSeconds - before.waitSeconds,
  };
}

/** muster's phases on one fleet size. */
export interface MusterPhases {
  fresh: PhaseTimes;
  noop: PhaseTimes;
  uninstall: PhaseTimes;
  /** muster's transport alone: connect, upload the binaries, one command. */
  transport: PhaseTimes;
}

/** Fresh install, no-op rerun and uninstall, each timed by phase; hosts must be clean. */
export async function musterPhases(context: BenchContext): Promise<MusterPhases> {
  const common = { inventory: [context.inventory], knownHostsFile: context.fleet.knownHostsFile };
  const installOnce = (emit: (event: RunEvent) => void) =>
    install({ ...common, srcDir: context.source.dir, skipBuild: true, emit });
  const fresh = await timedRun("install", installOnce);
  const noop = await timedRun("install (no-op)", installOnce);
  const removed = await timedRun("uninstall", (emit) => uninstall({ ...common, removeUser: true, emit }));
  const transport = await transportPhases(context);
  return { fresh, noop, uninstall: removed, transport };
}

async function timedRun(
  what: string,
  run: (emit: (event: RunEvent) => void) => Promise<RunReport>,
): Promise<PhaseTimes> {
  const events: { at: number; event: RunEvent }[] = [];
  const before = threadTimes();
  const started = performance.now();
  const report = await run((event) => events.push({ at: performance.now(), event }));
  const totalSeconds = (performance.now() - started) / 1000;
  const thread = threadSpent(before, threadTimes());
  if (report.exitCode !== 0) {
    throw new Error(`muster ${what} (phases) failed: ${JSON.stringify(report.summary)}`);
  }
  return { ...phaseTimes(events, started, totalSeconds), ...(thread ? { thread } : {}) };
}

/**
 * Folds timed events into phase durations: a phase lasts until the host's next event, and
 * a phase a host enters several times counts once, summed. Events of the apply script's
 * steps (`host-phase` with a `step`) count as `PHASE (script)`, so `apply` alone is the
 * uploads until the script announces its first step.
 */
export function phaseTimes(
  events: { at: number; event: RunEvent }[],
  startedAt: number,
  totalSeconds: number,
): PhaseTimes {
  const byHost = new Map<string, { phase: string; at: number }[]>();
  for (const { at, event } of events) {
    let host: string, phase: string;
    if (event.type === "host-start") [host, phase] = [event.host, "start"];
    else if (event.type === "host-phase") {
      [host, phase] = [event.host, event.step === undefined ? event.phase : `${event.phase} (script)`];
    } else if (event.type === "host-end") [host, phase] = [event.result.name, "end"];
    else continue;
    byHost.set(host, [...byHost.get(host) ?? [], { phase, at }]);
  }
  const durations = new Map<string, number[]>();
  for (const marks of byHost.values()) {
    const own = new Map<string, number>();
    for (let i = 0; i + 1 < marks.length; i++) {
      if (marks[i].phase === "start") continue;
      own.set(marks[i].phase, (own.get(marks[i].phase) ?? 0) + (marks[i + 1].at - marks[i].at) / 1000);
    }
    for (const [phase, seconds] of own) durations.set(phase, [...durations.get(phase) ?? [], seconds]);
  }
  const all = [...byHost.values()];
  const starts = all.map((marks) => marks[0].at);
  const ends = all.map((marks) => marks.at(-1)!.at);
  const firstStart = all.length ? Math.min(...starts) : startedAt;
  const lastEnd = all.length ? Math.max(...ends) : startedAt;
  return {
    prepareSeconds: (firstStart - startedAt) / 1000,
    phases: [...durations].map(([phase, seconds]) => summary(phase, seconds)),
    ...(all.length
      ? {
        lastStartSeconds: (Math.max(...starts) - firstStart) / 1000,
        afterSeconds: totalSeconds - (lastEnd - startedAt) / 1000,
      }
      : {}),
    totalSeconds,
  };
}

/**
 * muster's SSH transport alone, on every host at once: connect, put the four binaries
 * (four at once, as the engine does) into the login user's /tmp, run one command that
 * removes them, close.
 */
export async function transportPhases(context: BenchContext): Promise<PhaseTimes> {
  const before = threadTimes();
  const started = performance.now();
  const { targets } = await loadTargets({ inventory: [context.inventory] });
  const binaries = BINARIES.map((name) => `${context.source.binDir}/${name}`);
  let lostStatus = 0;
  const spans = await Promise.all(targets.map(async ({ connection }) => {
    const t0 = performance.now();
    const transport = await connectTo(connection, { knownHostsFile: context.fleet.knownHostsFile });
    try {
      const t1 = performance.now();
      await Promise.all(binaries.map((path, i) => transport.put(path, `/tmp/muster-bench-probe-${i}`)));
      const t2 = performance.now();
      const result = await transport.run("rm -f /tmp/muster-bench-probe-*; echo removed");
      if (result.stdout !== "removed\n") throw new Error(`Cannot remove probe files: ${result.stderr}`);
      // The command ran (its output came back), but the transport may report no exit status.
      if (result.code !== 0) lostStatus++;
      const t3 = performance.now();
      return [t1 - t0, t2 - t1, t3 - t2].map((ms) => ms / 1000);
    } finally {
      await transport.close();
    }
  }));
  const thread = threadSpent(before, threadTimes());
  const notes = lostStatus === 0 ? [] : [
    `transport alone: on ${lostStatus} of ${targets.length} hosts the command after the uploads printed its ` +
    "output but came back with exit 255 (its exit status was lost)",
  ];
  return {
    prepareSeconds: 0,
    phases: ["connect", `upload ${BINARIES.length} binaries`, "one command (sudo)"].map((phase, i) =>
      summary(phase, spans.map((span) => span[i]))
    ),
    totalSeconds: (performance.now() - started) / 1000,
    ...(thread ? { thread } : {}),
    ...(notes.length > 0 ? { notes } : {}),
  };
}

function summary(phase: string, seconds: number[]) {
  return { phase, medianSeconds: median(seconds), maxSeconds: Math.max(...seconds) };
}
