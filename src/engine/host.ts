import type { Connection, Transport } from "../transport/transport.ts";
import { type Change, reported } from "./change.ts";
import { ConnectionError, type ErrorCategory, MusterError } from "./errors.ts";
import type { Emit } from "./events.ts";
import type { Limiter } from "./fleet.ts";
import { type Facts, GatheredFacts, hostUidFact } from "./fact.ts";
import { gatherScript, parseGathered } from "./gather.ts";
import { type Packer, packingsFact } from "./packer.ts";
import { stageRootFact } from "./stage.ts";
import { tarFact } from "./bundle.ts";
import { HostSession } from "./session.ts";
import type { HostResult, PhaseTiming, StepResult } from "./result.ts";
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
  /** Shared by every host of the run: compresses each upload once, for every host that can unpack it. */
  packer?: Packer;
  signal?: AbortSignal;
  /** Emit each line the apply script writes (`--verbose`). @default false */
  streamOutput?: boolean;
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
  /** Wall-clock start, for the report. */
  startedAtIso: string;
  /** Phases so far; the last one is still running. */
  phases: PhaseTiming[];
  /** Steps whose end was already announced by a `step-end` event, with the status it said. */
  announced: Map<number, StepResult["status"]>;
  transport?: Transport;
  /** The host's shell, open from the facts to the apply (`session.ts`); ended when there is none. */
  session?: HostSession;
  facts?: Facts;
  steps: PlannedStep[];
  /** Why the host could not be planned at all. */
  failure?: { error: MusterError; unreachable: boolean };
}

/** Connects, gathers every step's facts in one command and plans each step. */
export async function prepareHost(job: HostJob, context: HostContext): Promise<PreparedHost> {
  const name = job.connection.name;
  const prepared: PreparedHost = {
    job,
    startedAt: performance.now(),
    startedAtIso: new Date().toISOString(),
    phases: [],
    announced: new Map(),
    steps: [],
  };
  context.emit({ type: "host-start", host: name });
  try {
    enterPhase(prepared, context, "connect");
    prepared.transport = await context.connect(job.connection, context.signal);
  } catch (error) {
    if (!(error instanceof MusterError)) throw error;
    const unreachable = error instanceof ConnectionError;
    prepared.failure = { error: withExit(error, context.unreachableExitCode, unreachable), unreachable };
    return prepared;
  }
  try {
    enterPhase(prepared, context, "facts");
    const gathered = await gather(prepared.transport, job.steps, context.signal);
    prepared.session = gathered.session;
    prepared.facts = gathered.facts;
  } catch (error) {
    if (!(error instanceof MusterError)) throw error;
    prepared.failure = { error: withExit(error, context.unreachableExitCode, false), unreachable: false };
    return prepared;
  }
  let blocked = false;
  enterPhase(prepared, context, "plan");
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
  context.emit({
    type: "host-plan",
    host: name,
    steps: prepared.steps.map((planned) => ({
      role: planned.step.role,
      step: planned.step.name,
      changes: planned.changes.length,
    })),
  });
  return prepared;
}

/**
 * Gathers the facts in the host's session, which then waits for the apply. A session whose
 * facts cannot be read is ended.
 */
async function gather(
  transport: Transport,
  steps: Step[],
  signal?: AbortSignal,
): Promise<{ facts: Facts; session: HostSession }> {
  const nonce = crypto.randomUUID().slice(0, 8);
  // The engine's own facts: what the host unpacks (uploads are sent compressed where it
  // can, bundled where it has tar) and where they are staged.
  const facts = [...steps.flatMap((step) => step.facts), packingsFact, stageRootFact, hostUidFact, tarFact];
  const session = new HostSession(transport, gatherScript(facts, nonce), nonce, signal);
  const gathered = await session.facts;
  const result = "ended" in gathered ? gathered.ended : { code: 0, stdout: gathered.stdout, stderr: "" };
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
      sudo ? { hint, category: "auth" } : { category: "install" },
    );
  }
  return { facts: new GatheredFacts(raw), session };
}

/**
 * Starts a phase of the host (`connect`, `facts`, `plan`, `apply`, `verify`): ends the one
 * before, records its timing and tells the listeners.
 */
export function enterPhase(prepared: PreparedHost, context: Pick<HostContext, "emit">, phase: string): void {
  closePhase(prepared);
  prepared.phases.push({
    phase,
    startMs: Math.round(performance.now() - prepared.startedAt),
    durationMs: -1,
  });
  context.emit({ type: "host-phase", host: prepared.job.connection.name, phase });
}

function closePhase(prepared: PreparedHost): void {
  const last = prepared.phases.at(-1);
  if (last && last.durationMs < 0) {
    last.durationMs = Math.max(0, Math.round(performance.now() - prepared.startedAt) - last.startMs);
  }
}

/**
 * The category of a step's failure: its error's own; else `validation` for an error of exit 1
 * (arguments, configuration, not an installation of the app); else by the step's role.
 */
export function stepCategory(step: Step, error?: unknown): ErrorCategory {
  const byRole: ErrorCategory = step.role === "systemd" || step.name === "services" ? "service" : "install";
  if (!(error instanceof MusterError)) return byRole;
  return error.category ?? (error.exitCode === 1 ? "validation" : byRole);
}

/**
 * Tells the listeners how each step of a finished host ended (again for one told live whose
 * outcome changed, such as a step that went on past a failure), then that the host ended.
 */
export function announceEnd(
  prepared: PreparedHost | undefined,
  result: HostResult,
  emit: HostContext["emit"],
): HostResult {
  result.steps.forEach((step, index) => {
    if (prepared?.announced.get(index) === step.status) return;
    prepared?.announced.set(index, step.status);
    emit({
      type: "step-end",
      host: result.name,
      index,
      role: step.role,
      step: step.step,
      status: step.status,
      durationMs: step.durationMs,
      ...(step.error ? { error: step.error } : {}),
      ...(step.category ? { category: step.category } : {}),
    });
  });
  emit({ type: "host-end", result });
  return result;
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

export function stepResult(
  planned: PlannedStep,
  status: StepResult["status"],
  error?: string,
  category?: ErrorCategory,
): StepResult {
  const message = error ?? planned.error?.message;
  // A change that is reported but not made (a kept file that differs) is said in the recap too.
  const kept = planned.changes.filter((change) => change.ops.length === 0 && change.detail)
    .map((change) => `${change.target}: ${change.detail}`);
  return {
    role: planned.step.role,
    step: planned.step.name,
    status,
    changes: planned.changes.map(reported),
    durationMs: Math.round(planned.durationMs),
    ...(message ? { error: message } : {}),
    ...(message && status === "failed"
      ? { category: category ?? stepCategory(planned.step, error ? undefined : planned.error) }
      : {}),
    ...(kept.length ? { warnings: kept } : {}),
  };
}

export function hostResult(
  prepared: PreparedHost,
  steps: StepResult[],
  outcome: { exitCode?: number; error?: string; backupDir?: string; category?: ErrorCategory } = {},
): HostResult {
  const { connection } = prepared.job;
  const failure = prepared.failure;
  const planned = prepared.steps.find((planned) => planned.error);
  const planError = planned?.error;
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
  const failedStep = steps.find((step) => step.status === "failed" && step.category);
  const category = failure
    ? failure.error.category ?? (failure.unreachable ? "network" : "install")
    : status === "failed"
    ? outcome.category ?? failedStep?.category ??
      (planned && planError ? stepCategory(planned.step, planError) : "install")
    : undefined;
  closePhase(prepared);
  return {
    name: connection.name,
    address: connection.address,
    status,
    exitCode,
    durationMs: Math.round(performance.now() - prepared.startedAt),
    ...(error ? { error } : {}),
    ...(category ? { category } : {}),
    ...(hint ? { hint } : {}),
    ...(outcome.backupDir ? { backupDir: outcome.backupDir } : {}),
    steps,
    startedAt: prepared.startedAtIso,
    phases: prepared.phases.map((phase) => ({ ...phase })),
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
