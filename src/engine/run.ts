import type { Packing } from "../transport/packing.ts";
import type { Connection, Transport } from "../transport/transport.ts";
import { ConnectionError, MusterError } from "./errors.ts";
import type { Emit, RunEvent } from "./events.ts";
import { type FleetOptions, limiter, pool, runFleet } from "./fleet.ts";
import { applyHost } from "./apply.ts";
import { Packer } from "./packer.ts";
import {
  announceEnd,
  type HostContext,
  type HostJob,
  plannedResult,
  type PreparedHost,
  prepareHost,
} from "./host.ts";
import type { HostResult } from "./result.ts";

/** How a run goes. */
export interface RunOptions extends FleetOptions {
  connect(connection: Connection, signal?: AbortSignal): Promise<Transport>;
  emit: Emit;
  /** Plan only: nothing changes on any host. */
  dryRun: boolean;
  /** Exit code of an unreachable host. */
  unreachableExitCode: number;
  /**
   * Asked once, after every host is planned and before anything changes; `false`
   * cancels the run. Without it each host is planned and applied in one go.
   */
  confirm?: (prepared: PreparedHost[]) => Promise<boolean>;
  /** Longest time one host may take. */
  hostTimeoutMs?: number;
  /** Uploads in flight across the whole fleet. @default 12 */
  maxUploads?: number;
  /** How uploads may be compressed, in order of preference; empty: never. @default zstd, then gzip */
  packings?: readonly Packing[];
  /** Emit each line of every host's apply script as a `host-output` event. @default false */
  streamOutput?: boolean;
}

/** What a run did: one result per host, in job order, and whether the user cancelled. */
export interface RunOutcome {
  results: HostResult[];
  cancelled: boolean;
}

/**
 * Runs jobs on their hosts: connect, gather facts, plan, and (unless a dry run) apply,
 * by the fleet rules. One host's failure never stops the others. Connections are closed
 * at the end whatever happens.
 */
export async function runJobs(jobs: HostJob[], options: RunOptions): Promise<RunOutcome> {
  // Open connections: each is closed when its host is done, the rest at the end.
  const open = new Set<Transport>();
  const close = (transport: Transport | undefined): Promise<void> => {
    if (!transport) return Promise.resolve();
    open.delete(transport);
    return transport.close().catch(() => {});
  };
  // Each upload holds a stream's buffers: bound them fleet-wide, not per host.
  const uploads = limiter(options.maxUploads ?? 12);
  const packer = new Packer(options.packings);
  // Every host prepared: a session not applied is ended at the latest when the run ends.
  const preparedHosts: PreparedHost[] = [];
  const prepare = async (job: HostJob, context: HostContext) => {
    const prepared = await prepareHost(job, context);
    preparedHosts.push(prepared);
    return prepared;
  };
  // Ctrl-C (options.signal) starts nothing new but lets running commands finish; only a
  // host's own timeout cancels a command that is running. One deadline per host for the
  // whole run: planning and applying (after a confirmation) share it.
  const deadlines = new Map<HostJob, HostDeadline>();
  const deadlineOf = (job: HostJob) => {
    let deadline = deadlines.get(job);
    if (!deadline) {
      deadline = hostDeadline(job.connection.name, options.hostTimeoutMs, options.unreachableExitCode);
      deadlines.set(job, deadline);
    }
    return deadline;
  };
  const contextFor = (job: HostJob): HostContext => {
    const deadline = deadlineOf(job);
    return {
      connect: async (connection: Connection, signal?: AbortSignal) => {
        const transport = await options.connect(connection, signal);
        open.add(transport);
        return transport;
      },
      emit: (event) => {
        deadline.track(event);
        options.emit(event);
      },
      unreachableExitCode: options.unreachableExitCode,
      uploads,
      packer,
      signal: deadline.signal,
      streamOutput: options.streamOutput,
    };
  };
  const finish = (result: HostResult, job?: HostJob, prepared?: PreparedHost) => {
    const deadline = job && deadlines.get(job);
    deadline?.clear();
    const timedOut = deadline?.timedOut();
    // A host out of time fails with the timeout, whatever its step's own failure was.
    const final = timedOut
      ? {
        ...result,
        status: timedOut.unreachable ? "unreachable" as const : "failed" as const,
        exitCode: options.unreachableExitCode,
        error: timedOut.error.message,
        category: timedOut.error.category ?? "network",
      }
      : result;
    return announceEnd(prepared, final, options.emit);
  };
  const skipped = (job: HostJob, reason: string): HostResult =>
    finish({
      name: job.connection.name,
      address: job.connection.address,
      status: "skipped",
      exitCode: 0,
      durationMs: 0,
      error: reason,
      ...(reason.startsWith("cancelled") ? { category: "cancelled" as const } : {}),
      steps: [],
    });
  const failed = (result: HostResult) => result.status === "failed" || result.status === "unreachable";
  try {
    if (options.confirm) {
      const prepared = new Map<HostJob, PreparedHost>();
      await pool(jobs, options.forks ?? 50, async (job) => {
        prepared.set(job, await prepare(job, contextFor(job)));
      });
      const all = jobs.map((job) => prepared.get(job)!);
      if (options.dryRun) {
        return { results: all.map((p) => finish(plannedResult(p), p.job, p)), cancelled: false };
      }
      if (!(await options.confirm(all))) {
        for (const deadline of deadlines.values()) deadline.clear();
        return { results: all.map((p) => plannedResult(p)), cancelled: true };
      }
      const results = await runFleet(
        jobs,
        options,
        async (job) =>
          options.signal?.aborted
            ? skipped(job, "cancelled: planned, but not applied")
            : finish(await applied(prepared.get(job)!, contextFor(job), close), job, prepared.get(job)),
        failed,
        skipped,
      );
      return { results, cancelled: false };
    }
    const results = await runFleet(
      jobs,
      options,
      async (job) => {
        const context = contextFor(job);
        const prepared = await prepare(job, context);
        if (options.dryRun) {
          await prepared.session?.end();
          await close(prepared.transport);
          return finish(plannedResult(prepared), job, prepared);
        }
        if (options.signal?.aborted) {
          deadlines.get(job)?.clear();
          return skipped(job, "cancelled: planned, but not applied");
        }
        return finish(await applied(prepared, context, close), job, prepared);
      },
      failed,
      skipped,
    );
    return { results, cancelled: false };
  } finally {
    for (const deadline of deadlines.values()) deadline.clear();
    await Promise.all(preparedHosts.map((prepared) => prepared.session?.end()));
    await Promise.all([...open].map(close));
    await packer.close();
  }
}

/**
 * Applies a host and closes its connection: a fleet larger than `--forks` holds at most
 * `forks` connections (and their memory) at once, not one per host until the run ends.
 */
async function applied(
  prepared: PreparedHost,
  context: HostContext,
  close: (transport: Transport | undefined) => Promise<void>,
): Promise<HostResult> {
  try {
    return await applyHost(prepared, context);
  } finally {
    await close(prepared.transport);
  }
}

/** A host's time limit: its signal, and what it was doing when the time ran out. */
interface HostDeadline {
  /** Aborts, with the timeout error as its reason, once the time is up. */
  signal?: AbortSignal;
  /** Follows the host's phases, to say where it was. */
  track(event: RunEvent): void;
  /** The timeout, if the time ran out. */
  timedOut(): { error: MusterError; unreachable: boolean } | undefined;
  clear(): void;
}

/**
 * Starts a host's clock. When `ms` pass, its signal aborts with an error saying how long
 * and where the host was (`Timed out after 5 s in step systemd/services`); transports
 * reject the command in flight with that error. While connecting it is a
 * `ConnectionError` (the host is unreachable); the exit code is the command's code for
 * an unreachable host (install 3, uninstall 4).
 */
function hostDeadline(host: string, ms: number | undefined, exitCode: number): HostDeadline {
  if (!ms) return { track: () => {}, timedOut: () => undefined, clear: () => {} };
  const controller = new AbortController();
  let where = "while connecting";
  let phase = "connect";
  let outcome: { error: MusterError; unreachable: boolean } | undefined;
  const timer = setTimeout(() => {
    const message = `Timed out after ${ms / 1000} s on ${host} ${where} (--timeout)`;
    const unreachable = phase === "connect";
    const error = unreachable
      ? new ConnectionError(message, { hint: "raise --timeout, or look at what the host was doing" })
      : new MusterError(message, exitCode, { hint: "raise --timeout, or look at what the host was doing" });
    outcome = { error, unreachable };
    controller.abort(error);
  }, ms);
  return {
    signal: controller.signal,
    track(event) {
      if (event.type !== "host-phase" || event.host !== host) return;
      phase = event.phase;
      where = event.step
        ? `in step ${event.role ? `${event.role}/` : ""}${event.step} (${event.phase})`
        : event.phase === "connect"
        ? "while connecting"
        : event.phase === "facts"
        ? "while gathering facts"
        : `while in ${event.phase}`;
    },
    timedOut: () => outcome,
    clear: () => clearTimeout(timer),
  };
}
