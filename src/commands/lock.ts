/**
 * The run lock's controller side: who a run is (user@controller, pid, command, start), how
 * a lock's holder is told gone, and the `lock status` / `lock release` commands.
 */
import { userInfo } from "node:os";
import {
  type AuditEntry,
  auditFact,
  type FoundLock,
  type Holder,
  isStale,
  lockFact,
  lockReleaseStep,
  lockStep,
} from "../../roles/lock/mod.ts";
import type { HostResult, RunReport } from "../engine/result.ts";
import { runJobs } from "../engine/run.ts";
import type { Step } from "../engine/step.ts";
import type { App } from "../app/app.ts";
import type { AppSpec, SpecFlags } from "../app/spec.ts";
import { buildReport } from "../report/report.ts";
import { connectorFor } from "./connect.ts";
import type { CommonOptions } from "./options.ts";
import { startCommand } from "./targets.ts";

export type { AuditEntry, FoundLock, Holder };

/** Who this run is, as a lock and the audit trail record it. */
export function holderOf(app: App, options: { argv?: string[] }, command: string, started: Date): Holder {
  let user = Deno.env.get("USER") ?? "";
  try {
    user ||= userInfo().username;
  } catch { /* no passwd entry */ }
  return {
    user: user || "unknown",
    controller: Deno.hostname(),
    pid: Deno.pid,
    command: ["muster", ...(options.argv?.length ? options.argv : [command])].join(" "),
    app: app.name,
    started: started.toISOString(),
  };
}

/** How this controller tells a lock's holder gone: its pid is not running here, or it is too old. */
export function staleness(now = new Date(), maxAgeMs?: number) {
  return {
    controller: Deno.hostname(),
    alive: (pid: number) => {
      try {
        Deno.statSync(`/proc/${pid}`);
        return true;
      } catch {
        return false;
      }
    },
    now,
    ...(maxAgeMs ? { maxAgeMs } : {}),
  };
}

/**
 * The lock step of a run that changes hosts, by prefix: held by this run's holder; a dry run
 * reads the lock and refuses nothing.
 */
export function runLock(
  app: App,
  command: string,
  options: { argv?: string[]; dryRun?: boolean },
  started: Date,
): (prefix: string) => Step {
  const holder = holderOf(app, options, command, started);
  const stale = staleness(started);
  return (prefix) => lockStep({ app, prefix, holder, staleness: stale, refuse: !options.dryRun });
}

/**
 * Runs read-only steps on every selected host (one round trip of facts each, nothing
 * changes) and adds what `read` makes of each host's facts to its result.
 */
export async function queryHosts<T>(
  command: string,
  options: CommonOptions & SpecFlags,
  steps: (spec: AppSpec) => { steps: Step[]; read: () => T | undefined },
  field: string,
): Promise<RunReport> {
  const { startedAt, emit, targets, specs } = await startCommand(options);
  const queries = specs().map(steps);
  const outcome = await runJobs(
    targets.map((target, i) => ({ connection: target.connection, steps: queries[i].steps })),
    { ...options, dryRun: true, emit, unreachableExitCode: 1, connect: connectorFor(options) },
  );
  const hosts = outcome.results.map((result, i): HostResult => {
    const value = result.status === "ok" ? queries[i].read() : undefined;
    return value === undefined ? result : { ...result, [field]: value } as HostResult;
  });
  return buildReport(command, { dryRun: false, startedAt }, hosts);
}

/** A step that only reads one fact, kept for `read`. */
export function readingStep<T>(fact: import("../engine/fact.ts").Fact<T>, name: string) {
  let value: T | undefined;
  const step: Step = {
    role: "query",
    name,
    exitCode: 1,
    facts: [fact],
    plan(facts) {
      value = facts.get(fact);
      return [];
    },
  };
  return { steps: [step], read: () => value };
}

/** The lock of a host, as `lock status` reports it. */
export interface LockState {
  locked: boolean;
  holder?: Holder;
  stale?: boolean;
}

/** `muster lock status`: each host's lock for the app: free, or who holds it and whether that one is gone. */
export function lockStatus(options: CommonOptions & SpecFlags): Promise<RunReport> {
  const by = staleness();
  return queryHosts<LockState>("lock status", options, (spec) => {
    const query = readingStep(lockFact(spec.app, spec.prefix), "status");
    return {
      steps: query.steps,
      read: () => {
        const found = query.read();
        return found
          ? { locked: true, holder: found.holder, stale: isStale(found.holder, by) }
          : { locked: false };
      },
    };
  }, "lock");
}

/** `muster lock release`: removes the app's lock on each selected host, whoever holds it. */
export async function lockRelease(
  options: CommonOptions & SpecFlags & { dryRun?: boolean },
): Promise<RunReport> {
  const { startedAt, emit, app, targets, specs } = await startCommand(options);
  const outcome = await runJobs(
    specs().map((spec, i) => ({
      connection: targets[i].connection,
      steps: [lockReleaseStep(app, spec.prefix)],
    })),
    {
      ...options,
      dryRun: options.dryRun ?? false,
      emit,
      unreachableExitCode: 1,
      connect: connectorFor(options),
    },
  );
  return buildReport("lock release", { dryRun: options.dryRun ?? false, startedAt }, outcome.results);
}

/** `muster audit`: the last `count` entries of each host's audit trail for the app, oldest first. */
export function audit(options: CommonOptions & { count?: number }): Promise<RunReport> {
  return queryHosts<AuditEntry[]>(
    "audit",
    options,
    (spec) => readingStep(auditFact(spec.app, options.count ?? 20), "audit"),
    "audit",
  );
}
