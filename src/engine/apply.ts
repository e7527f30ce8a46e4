import {
  applyScript,
  type ApplyUnit,
  hostClockMs,
  parseApplyOutput,
  stepDurations,
  type Upload,
} from "./apply_script.ts";
import { shOp } from "./change.ts";
import { hostUidFact } from "./fact.ts";
import { ERROR_CATEGORIES, type ErrorCategory, MusterError } from "./errors.ts";
import { hold, pool } from "./fleet.ts";
import { bundleCommand, bundleInput, tarFact } from "./bundle.ts";
import type { Packing } from "../transport/packing.ts";
import type { InputPiece, Transport } from "../transport/transport.ts";
import { packingsFact } from "./packer.ts";
import { stageRootFact } from "./stage.ts";
import {
  enterPhase,
  firstLine,
  type HostContext,
  hostResult,
  type PlannedStep,
  type PreparedHost,
  statusOfPlan,
  stepCategory,
  stepResult,
} from "./host.ts";
import type { HostResult, StepResult } from "./result.ts";

/** Uploads sent to one host at once, over its one connection. */
const UPLOADS_PER_HOST = 4;

/**
 * Applies a prepared host's changes in as few round trips as possible: the files it
 * needs are streamed in parallel, then one script runs every change in step order and,
 * at its end, every step's verification (so a failed verification rolls back too).
 */
export async function applyHost(prepared: PreparedHost, context: HostContext): Promise<HostResult> {
  const { transport, facts } = prepared;
  const planned = (index: number) => statusOfPlan(prepared, index);
  const statuses: StepResult["status"][] = prepared.steps.map((_, index) => planned(index));
  const planError = prepared.steps.findIndex((step) => step.error);
  // A step that cannot be planned stops the host before anything changes on it.
  const changes = (step: PlannedStep) => step.changes.some((change) => change.ops.length > 0);
  const holds = new Map(
    facts ? prepared.steps.map((step, index) => [index, step.step.hold?.(facts)] as const) : [],
  );
  // Steps that hold the host (a lock) run only where something else changes.
  const runnable = prepared.failure || !transport || !facts || planError >= 0 ||
      !prepared.steps.some(changes)
    ? []
    : prepared.steps.map((step, index) => ({ step, index }))
      .filter(({ step, index }) => changes(step) || holds.get(index));
  if (runnable.length === 0) {
    await prepared.session?.end();
    return hostResult(
      prepared,
      prepared.steps.map((step, i) => stepResult(step, statuses[i])),
    );
  }

  const name = prepared.job.connection.name;
  enterPhase(prepared, context, "apply");
  const checks = prepared.steps
    .map((step, index) => ({ index, script: step.step.verify?.(facts!) }))
    .filter((check): check is { index: number; script: string } => Boolean(check.script));
  const units: ApplyUnit[] = [
    ...runnable.map(({ step, index }) => {
      const hold = holds.get(index);
      return {
        changes: hold
          ? [{ action: "change" as const, target: "hold", ops: [shOp(hold.take)] }, ...step.changes]
          : step.changes,
        rollback: step.step.rollback?.(facts!),
        ...(hold ? { finally: hold.release } : {}),
      };
    }),
    ...checks.map((check) => ({
      changes: [{ action: "change" as const, target: "verify", ops: [shOp(check.script)] }],
    })),
  ];
  const nonce = crypto.randomUUID().slice(0, 8);
  const stage = `${facts!.get(stageRootFact)}/muster-stage-${crypto.randomUUID()}`;
  const merged = context.streamOutput ?? false;
  // Over SSH, to a host with tar, the files and the script go as one stream (`bundle.ts`),
  // compressed where the host can unpack it; a local host uses the files where they are.
  const ssh = transport!.connection.kind === "ssh";
  const hasTar = ssh && facts!.get(tarFact);
  const { script, uploads } = applyScript(units, {
    nonce,
    stage,
    localSources: !ssh,
    mergeStderr: merged,
    uid: facts!.get(hostUidFact),
    bundled: hasTar,
  });
  // Uploads and a broken script are pinned to the first step that changes something.
  const first = runnable.find(({ step }) => changes(step))!;
  const unpacks = ssh ? facts!.get(packingsFact) : [];
  const bundled = hasTar && uploads.length > 0;
  const packing = context.packer?.packingFor(unpacks);
  let input: string | InputPiece[] = script;
  try {
    if (bundled) input = await bundleInput(uploads, script, { stage, packing, packer: context.packer });
    else await upload(uploads, unpacks, context, transport!);
  } catch (error) {
    if (!(error instanceof MusterError)) throw error;
    // Staged files are removed by nobody else: do it, best effort.
    if (!bundled) await transport!.run(`rm -rf ${stage}`).catch(() => {});
    await prepared.session?.end();
    const category = error.category ?? "install";
    const steps = prepared.steps.map((step, i) =>
      stepResult(
        step,
        i === first.index ? "failed" : i > first.index ? "skipped" : statuses[i],
        i === first.index ? error.message : undefined,
        i === first.index ? category : undefined,
      )
    );
    return hostResult(prepared, steps, {
      exitCode: first.step.step.exitCode,
      error: error.message,
      category,
    });
  }

  // Step markers arrive as the script runs: live progress names the step being applied, and
  // a step ends when the next one starts (timed by the host's clock).
  let current: { unit: number; startedMs?: number } | undefined;
  const endCurrent = (atMs: number | undefined) => {
    if (!current || current.unit >= runnable.length) return;
    const { step, index } = runnable[current.unit];
    prepared.announced.set(index, "changed");
    context.emit({
      type: "step-end",
      host: name,
      index,
      role: step.step.role,
      step: step.step.name,
      status: "changed",
      durationMs: atMs !== undefined && current.startedMs !== undefined
        ? Math.round(Math.max(0, atMs - current.startedMs))
        : 0,
    });
  };
  const onLine = merged
    ? (line: string) => context.emit({ type: "host-output", host: name, stream: "stdout", line })
    : undefined;
  const live = stepWatcher(nonce, (unit, clock) => {
    const atMs = clock === undefined ? undefined : hostClockMs(clock);
    endCurrent(atMs);
    current = { unit, startedMs: atMs };
    const verifying = unit >= runnable.length;
    const step = runnable[unit]?.step.step ?? prepared.steps[checks[unit - runnable.length]?.index]?.step;
    if (!step) return;
    if (verifying && prepared.phases.at(-1)?.phase !== "verify") enterPhase(prepared, context, "verify");
    if (!verifying) {
      const index = runnable[unit].index;
      const total = prepared.steps.length;
      context.emit({ type: "step-start", host: name, index, total, role: step.role, step: step.name });
    }
    context.emit({
      type: "host-phase",
      host: name,
      phase: verifying ? "verify" : "apply",
      role: step.role,
      step: step.name,
    });
  }, onLine);
  let broken: ErrorCategory | undefined;
  // A bundle holds one of the fleet's upload slots until it is sent.
  const sent = bundled && context.uploads ? await hold(context.uploads) : () => {};
  const command = bundled ? bundleCommand(stage, packing) : "exec sh -s";
  // The host's session, open since its facts, runs it.
  const result = await prepared.session!.next(command, input, { onInputSent: sent, onStdout: live })
    .finally(sent)
    .catch((error) => {
      // A broken connection or a cancel mid-script: report it as the first step's failure.
      if (!(error instanceof MusterError)) throw error;
      broken = error.category ?? "network";
      return { code: error.exitCode, stdout: "", stderr: error.message };
    });
  const outcome = parseApplyOutput(result.stdout, result.stderr, nonce, { merged });
  const errors = new Map<number, string>();
  const categories = new Map<number, ErrorCategory>();
  const warnings = new Map<number, string[]>();
  const durations = stepDurations(outcome);
  const timed = new Map<number, number>();
  let exitCode = 0;
  const fail = (index: number, message: string, unit: number) => {
    statuses[index] = "failed";
    errors.set(index, message);
    const named = outcome.categories.get(unit) as ErrorCategory | undefined;
    categories.set(
      index,
      broken ??
        (named && ERROR_CATEGORIES.includes(named) ? named : stepCategory(prepared.steps[index].step)),
    );
    exitCode = Math.max(exitCode, prepared.steps[index].step.exitCode);
  };
  runnable.forEach(({ step, index }, unit) => {
    if (outcome.warnings.has(unit)) warnings.set(index, outcome.warnings.get(unit)!);
    if (durations.has(unit)) timed.set(index, durations.get(unit)!);
    const asked = outcome.exitAtLeast.get(unit) ?? 0;
    exitCode = Math.max(exitCode, asked);
    if (outcome.done || unit < outcome.lastStep) statuses[index] = "changed";
    else if (unit === outcome.lastStep) fail(index, outcome.stepStderr || `exit ${result.code}`, unit);
    else statuses[index] = step.changes.length ? "skipped" : statuses[index];
    // A step that went on past a failure it could not mend (a service that would not stop)
    // still failed: the host is failed, for --max-fail-percent and --resume alike.
    if (asked > 0 && statuses[index] === "changed") {
      statuses[index] = "failed";
      errors.set(index, outcome.warnings.get(unit)?.join("; ") || `exit ${asked}`);
      categories.set(index, stepCategory(step.step));
    }
  });
  // A verification counts towards the time of the step it verifies.
  checks.forEach((check, i) => {
    const ms = durations.get(runnable.length + i);
    if (ms !== undefined) timed.set(check.index, (timed.get(check.index) ?? 0) + ms);
  });
  if (!outcome.done && outcome.lastStep < 0) {
    fail(first.index, firstLine(result.stderr) || `the apply script exited ${result.code}`, 0);
  }
  const check = checks[outcome.lastStep - runnable.length];
  if (!outcome.done && check) {
    fail(
      check.index,
      `Verification failed: ${outcome.stepStderr || `exit ${result.code}`}`,
      outcome.lastStep,
    );
  }
  const steps = prepared.steps.map((step, index) => {
    const reported = stepResult(step, statuses[index], errors.get(index), categories.get(index));
    if (timed.has(index)) reported.durationMs = Math.round(timed.get(index)!);
    if (warnings.has(index)) reported.warnings = [...(reported.warnings ?? []), ...warnings.get(index)!];
    return reported;
  });
  const failed = steps.some((step) => step.status === "failed");
  return hostResult(prepared, steps, {
    exitCode,
    error: failed ? steps.find((step) => step.error)?.error : undefined,
    backupDir: outcome.notes.get("backupDir"),
  });
}

/** Uploads each file on its own (the host has no tar, or is this machine), a few at once. */
async function upload(
  uploads: Upload[],
  unpacks: Packing[],
  context: HostContext,
  transport: Transport,
): Promise<void> {
  const limit = context.uploads ?? ((task) => task());
  await pool(uploads, UPLOADS_PER_HOST, async (upload) => {
    const packed = unpacks.length > 0
      ? await context.packer?.pack(upload.source, upload.sha256, unpacks)
      : undefined;
    await limit(() =>
      transport.put(packed?.path ?? upload.source, upload.stagePath, {
        mode: 0o600,
        signal: context.signal,
        ...(packed ? { packed: packed.packing } : {}),
      })
    );
  });
}

/**
 * Calls `onStep` with each step index the apply script announces on its stdout, and the
 * host's clock when the marker carries it, as chunks arrive; with `onLine`, every other
 * line that is not a marker too.
 */
export function stepWatcher(
  nonce: string,
  onStep: (unit: number, clock?: string) => void,
  onLine?: (line: string) => void,
): (chunk: string) => void {
  const mark = `@@muster-${nonce}-`;
  const marker = `${mark}step:`;
  let pending = "";
  return (chunk) => {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      if (line.startsWith(marker)) {
        const [unit, clock] = line.slice(marker.length).split(":");
        onStep(Number(unit), clock);
      } else if (onLine && !line.startsWith(mark)) onLine(line);
    }
  };
}
