import type { Connection, Transport } from "../transport/transport.ts";
import { type Change, reported } from "./change.ts";
import { ConnectionError, MusterError } from "./errors.ts";
import type { Emit } from "./events.ts";
import type { Limiter } from "./fleet.ts";
import { type Facts, GatheredFacts } from "./fact.ts";
import { gatherScript, parseGathered } from "./gather.ts";
import type { HostResult, StepResult } from "./result.ts";
import type { Step } from "./step.ts";

/** One host's work: how to reach it and the steps to run there. */
export interface HostJob {
  connection: Connection;
  steps: Step[];
}

/** What the engine needs from its caller. */
export interface HostContext {
  connect(connection: Connection, signal?: AbortSignal): Promise<Transport>;
  emit: Emit;
  /** Exit code of a host that cannot be reached (install 3, uninstall 4). */
  unreachableExitCode: number;
  /** Shared by every host of the run: bounds uploads in flight across the fleet (memory, CPU). */
  uploads?: Limiter;
  signal?: AbortSignal;
}

/** A step with its plan. */
export interface PlannedStep {
  step: Step;
  changes: Change[];
  error?: MusterError;
  durationMs: number;
}

/** A host after connect, facts and plan: everything apply needs. */
export interface PreparedHost {
  job: HostJob;
  startedAt: number;
  transport?: Transport;
  facts?: Facts;
  steps: PlannedStep[];
  /** Why the host could not be planned at all. */
  failure?: { error: MusterError; unreachable: boolean };
}

/** Connects, gathers every step's facts in one command and plans each step. */
export async function prepareHost(job: HostJob, context: HostContext): Promise<PreparedHost> {
  const name = job.connection.name;
  const prepared: PreparedHost = { job, startedAt: performance.now(), steps: [] };
  context.emit({ type: "host-start", host: name });
  try {
    context.emit({ type: "host-phase", host: name, phase: "connect" });
    prepared.transport = await context.connect(job.connection, context.signal);
  } catch (error) {
    if (!(error instanceof MusterError)) throw error;
    const unreachable = error instanceof ConnectionError;
    prepared.failure = { error: withExit(error, context.unreachableExitCode, unreachable), unreachable };
    return prepared;
  }
  try {
    context.emit({ type: "host-phase", host: name, phase: "facts" });
    prepared.facts = await gather(prepared.transport, job.steps, context.signal);
  } catch (error) {
    if (!(error instanceof MusterError)) throw error;
    prepared.failure = { error: withExit(error, context.unreachableExitCode, false), unreachable: false };
    return prepared;
  }
  let blocked = false;
  context.emit({ type: "host-phase", host: name, phase: "plan" });
  for (const step of job.steps) {
    const started = performance.now();
    if (blocked) {
      prepared.steps.push({ step, changes: [], durationMs: 0 });
      continue;
    }
    try {
      prepared.steps.push({
        step,
        changes: step.plan(prepared.facts, prepared.steps),
        durationMs: performance.now() - started,
      });
    } catch (error) {
      if (!(error instanceof MusterError)) throw error;
      prepared.steps.push({ step, changes: [], error: error, durationMs: performance.now() - started });
      blocked = true;
    }
  }
  return prepared;
}

async function gather(transport: Transport, steps: Step[], signal?: AbortSignal): Promise<Facts> {
  const nonce = crypto.randomUUID().slice(0, 8);
  const facts = steps.flatMap((step) => step.facts);
  const result = await transport.run("sh -s", { stdin: gatherScript(facts, nonce), signal });
  const raw = parseGathered(result.stdout, nonce);
  if (result.code !== 0 && raw.size === 0) {
    const sudo = /sudo:|Sorry, try again|incorrect password/.test(result.stderr);
    const hint = transport.connection.becomePassword
      ? "sudo refused the password: check ansible_become_password for this host"
      : "the login user needs passwordless sudo (sudo -n) for ansible_become, or set ansible_become_password";
    throw new MusterError(
      `Cannot read facts on ${transport.connection.name}: ${
        firstLine(result.stderr) || `exit ${result.code}`
      }`,
      3,
      sudo ? { hint } : {},
    );
  }
  return new GatheredFacts(raw);
}

/** The result of a host that is only planned (dry run, status). */
export function plannedResult(prepared: PreparedHost): HostResult {
  const steps = prepared.steps.map((planned, index) => stepResult(planned, statusOfPlan(prepared, index)));
  return hostResult(prepared, steps);
}

export function statusOfPlan(prepared: PreparedHost, index: number): StepResult["status"] {
  const planned = prepared.steps[index];
  if (prepared.failure) return "skipped";
  if (planned.error) return "failed";
  const firstError = prepared.steps.findIndex((p) => p.error);
  if (firstError >= 0 && index > firstError) return "skipped";
  // A change without ops (a kept config file) is reported, but changes nothing.
  return planned.changes.some((change) => change.ops.length > 0) ? "changed" : "ok";
}

export function stepResult(planned: PlannedStep, status: StepResult["status"], error?: string): StepResult {
  // A change that is reported but not made (a kept file that differs) is said in the recap too.
  const kept = planned.changes.filter((change) => change.ops.length === 0 && change.detail)
    .map((change) => `${change.target}: ${change.detail}`);
  return {
    role: planned.step.role,
    step: planned.step.name,
    status,
    changes: planned.changes.map(reported),
    durationMs: Math.round(planned.durationMs),
    ...(error ?? planned.error ? { error: error ?? planned.error!.message } : {}),
    ...(kept.length ? { warnings: kept } : {}),
  };
}

export function hostResult(
  prepared: PreparedHost,
  steps: StepResult[],
  outcome: { exitCode?: number; error?: string; backupDir?: string } = {},
): HostResult {
  const { connection } = prepared.job;
  const failure = prepared.failure;
  const planError = prepared.steps.find((planned) => planned.error)?.error;
  const exitCode = failure?.error.exitCode ?? outcome.exitCode ?? planError?.exitCode ?? 0;
  const error = failure?.error.message ?? outcome.error ?? planError?.message;
  const hint = failure?.error.hint ?? planError?.hint;
  const status = failure?.unreachable
    ? "unreachable"
    : failure || steps.some((step) => step.status === "failed")
    ? "failed"
    : steps.some((step) => step.status === "changed")
    ? "changed"
    : "ok";
  return {
    name: connection.name,
    address: connection.address,
    status,
    exitCode,
    durationMs: Math.round(performance.now() - prepared.startedAt),
    ...(error ? { error } : {}),
    ...(hint ? { hint } : {}),
    ...(outcome.backupDir ? { backupDir: outcome.backupDir } : {}),
    steps,
  };
}

function withExit(error: MusterError, exitCode: number, unreachable: boolean): MusterError {
  if (!unreachable && error.exitCode === exitCode) return error;
  return new MusterError(error.message, unreachable ? exitCode : error.exitCode, {
    hint: error.hint,
    cause: error,
  });
}

export function firstLine(text: string): string {
  return text.trim().split("\n").find((line) => line.trim()) ?? "";
}
