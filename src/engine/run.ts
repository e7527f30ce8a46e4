import type { Connection, Transport } from "../transport/transport.ts";
import type { Emit } from "./events.ts";
import { type FleetOptions, limiter, pool, runFleet } from "./fleet.ts";
import { applyHost } from "./apply.ts";
import { announceEnd, type HostJob, plannedResult, type PreparedHost, prepareHost } from "./host.ts";
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
  const transports: Transport[] = [];
  // Each upload holds a stream's buffers: bound them fleet-wide, not per host.
  const uploads = limiter(options.maxUploads ?? 12);
  // Ctrl-C (options.signal) starts nothing new but lets running commands finish; only a
  // host's own timeout cancels a command that is running.
  const contextFor = () => {
    const signals = options.hostTimeoutMs ? [AbortSignal.timeout(options.hostTimeoutMs)] : [];
    return {
      connect: async (connection: Connection, signal?: AbortSignal) => {
        const transport = await options.connect(connection, signal);
        transports.push(transport);
        return transport;
      },
      emit: options.emit,
      unreachableExitCode: options.unreachableExitCode,
      uploads,
      signal: signals.length ? AbortSignal.any(signals) : undefined,
      streamOutput: options.streamOutput,
    };
  };
  const finish = (result: HostResult, prepared?: PreparedHost) => announceEnd(prepared, result, options.emit);
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
        prepared.set(job, await prepareHost(job, contextFor()));
      });
      const all = jobs.map((job) => prepared.get(job)!);
      if (options.dryRun) return { results: all.map((p) => finish(plannedResult(p), p)), cancelled: false };
      if (!(await options.confirm(all))) {
        return { results: all.map((p) => plannedResult(p)), cancelled: true };
      }
      const results = await runFleet(
        jobs,
        options,
        async (job) =>
          options.signal?.aborted
            ? skipped(job, "cancelled: planned, but not applied")
            : finish(await applyHost(prepared.get(job)!, contextFor()), prepared.get(job)),
        failed,
        skipped,
      );
      return { results, cancelled: false };
    }
    const results = await runFleet(
      jobs,
      options,
      async (job) => {
        const context = contextFor();
        const prepared = await prepareHost(job, context);
        if (options.dryRun) return finish(plannedResult(prepared), prepared);
        if (options.signal?.aborted) return skipped(job, "cancelled: planned, but not applied");
        return finish(await applyHost(prepared, context), prepared);
      },
      failed,
      skipped,
    );
    return { results, cancelled: false };
  } finally {
    await Promise.all(transports.map((transport) => transport.close().catch(() => {})));
  }
}
