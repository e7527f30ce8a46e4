/**
 * `muster rollback` and `muster releases`: a host's kept releases (its release store), and
 * putting hosts back on one of them without transferring anything, batch by batch, each
 * host restarted and health-checked.
 */
import { releasesFact, releasesOf } from "../../roles/release/mod.ts";
import { restartStep, rollbackStep } from "../../roles/release/rollback.ts";
import type { Release } from "../../roles/release/store.ts";
import type { RunReport } from "../engine/result.ts";
import { runJobs } from "../engine/run.ts";
import type { SpecFlags } from "../app/spec.ts";
import { buildReport } from "../report/report.ts";
import { connectorFor } from "./connect.ts";
import { queryHosts, runLock } from "./lock.ts";
import { type CommonOptions, gatedMaxFailPercent } from "./options.ts";
import { startCommand } from "./targets.ts";

export type { Release };

/** Options of `rollback`. */
export interface RollbackOptions extends CommonOptions, SpecFlags {
  /** The release to go to: an id (or its start) or a version. @default the newest kept one not in place */
  to?: string;
  dryRun?: boolean;
  /** The command line, for the lock and the audit trail. */
  argv?: string[];
}

/**
 * `muster rollback`: on each selected host, the kept release put back from its store, the
 * services that run restarted and checked; with `serial`, batch after batch, and no batch
 * starts after a failure unless `maxFailPercent` allows it.
 */
export async function rollback(options: RollbackOptions): Promise<RunReport> {
  const { startedAt, emit, app, targets, specs } = await startCommand(options);
  const lock = runLock(app, "rollback", options, startedAt);
  const jobs = specs().map((spec, i) => {
    const target = targets[i];
    return {
      connection: target.connection,
      steps: [
        lock(spec.prefix),
        rollbackStep(spec, { to: options.to }),
        restartStep(spec),
      ],
    };
  });
  const outcome = await runJobs(jobs, {
    ...options,
    maxFailPercent: gatedMaxFailPercent(options),
    dryRun: options.dryRun ?? false,
    emit,
    unreachableExitCode: 3,
    connect: connectorFor(options),
  });
  return buildReport("rollback", { dryRun: options.dryRun ?? false, startedAt }, outcome.results);
}

/** A host's release store, as `releases` reports it. */
export interface HostReleases {
  /** The release in place (by content), if any. */
  current?: string;
  /** Kept releases, newest first. */
  releases: Release[];
}

/** `muster releases`: each host's kept releases and which one is in place. */
export function releases(options: CommonOptions & SpecFlags): Promise<RunReport> {
  return queryHosts<HostReleases>("releases", options, (spec) => {
    let found: HostReleases | undefined;
    return {
      steps: [{
        role: "query",
        name: "releases",
        exitCode: 1,
        facts: [releasesFact(spec)],
        plan(facts) {
          const state = releasesOf(spec, facts);
          found = { ...(state.installed ? { current: state.installed } : {}), releases: state.releases };
          return [];
        },
      }],
      read: () => found,
    };
  }, "releases");
}
