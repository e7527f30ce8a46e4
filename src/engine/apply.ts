import { applyScript, type ApplyUnit, parseApplyOutput } from "./apply_script.ts";
import { shOp } from "./change.ts";
import { MusterError } from "./errors.ts";
import { pool } from "./fleet.ts";
import {
  firstLine,
  type HostContext,
  hostResult,
  type PlannedStep,
  type PreparedHost,
  statusOfPlan,
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
    return hostResult(
      prepared,
      prepared.steps.map((step, i) => stepResult(step, statuses[i])),
    );
  }

  const name = prepared.job.connection.name;
  context.emit({ type: "host-phase", host: name, phase: "apply" });
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
  const stage = `/tmp/muster-stage-${crypto.randomUUID()}`;
  const { script, uploads } = applyScript(units, {
    nonce,
    stage,
    localSources: transport!.connection.kind === "local",
  });
  // Uploads and a broken script are pinned to the first step that changes something.
  const first = runnable.find(({ step }) => changes(step))!;
  try {
    const limit = context.uploads ?? ((task) => task());
    await pool(uploads, UPLOADS_PER_HOST, async (upload) => {
      await limit(() =>
        transport!.put(upload.source, upload.stagePath, { mode: 0o600, signal: context.signal })
      );
    });
  } catch (error) {
    if (!(error instanceof MusterError)) throw error;
    // Staged files are removed by nobody else: do it, best effort.
    await transport!.run(`rm -rf ${stage}`).catch(() => {});
    const steps = prepared.steps.map((step, i) =>
      stepResult(
        step,
        i === first.index ? "failed" : i > first.index ? "skipped" : statuses[i],
        i === first.index ? error.message : undefined,
      )
    );
    return hostResult(prepared, steps, { exitCode: first.step.step.exitCode, error: error.message });
  }

  // Step markers arrive as the script runs: live progress names the step being applied.
  const live = stepWatcher(nonce, (unit) => {
    const step = runnable[unit]?.step.step ?? prepared.steps[checks[unit - runnable.length]?.index]?.step;
    if (step) {
      context.emit({
        type: "host-phase",
        host: name,
        phase: unit < runnable.length ? "apply" : "verify",
        role: step.role,
        step: step.name,
      });
    }
  });
  const result = await transport!.run("sh -s", { stdin: script, signal: context.signal, onStdout: live })
    .catch((error) => {
      // A broken connection or a cancel mid-script: report it as the first step's failure.
      if (!(error instanceof MusterError)) throw error;
      return { code: error.exitCode, stdout: "", stderr: error.message };
    });
  const outcome = parseApplyOutput(result.stdout, result.stderr, nonce);
  const errors = new Map<number, string>();
  const warnings = new Map<number, string[]>();
  let exitCode = 0;
  const fail = (index: number, message: string) => {
    statuses[index] = "failed";
    errors.set(index, message);
    exitCode = Math.max(exitCode, prepared.steps[index].step.exitCode);
  };
  runnable.forEach(({ step, index }, unit) => {
    if (outcome.warnings.has(unit)) warnings.set(index, outcome.warnings.get(unit)!);
    const asked = outcome.exitAtLeast.get(unit) ?? 0;
    exitCode = Math.max(exitCode, asked);
    if (outcome.done || unit < outcome.lastStep) statuses[index] = "changed";
    else if (unit === outcome.lastStep) fail(index, outcome.stepStderr || `exit ${result.code}`);
    else statuses[index] = step.changes.length ? "skipped" : statuses[index];
    // A step that went on past a failure it could not mend (a service that would not stop)
    // still failed: the host is failed, for --max-fail-percent and --resume alike.
    if (asked > 0 && statuses[index] === "changed") {
      statuses[index] = "failed";
      errors.set(index, outcome.warnings.get(unit)?.join("; ") || `exit ${asked}`);
    }
  });
  if (!outcome.done && outcome.lastStep < 0) {
    fail(first.index, firstLine(result.stderr) || `the apply script exited ${result.code}`);
  }
  const check = checks[outcome.lastStep - runnable.length];
  if (!outcome.done && check) {
    fail(check.index, `Verification failed: ${outcome.stepStderr || `exit ${result.code}`}`);
  }
  const steps = prepared.steps.map((step, index) => {
    const reported = stepResult(step, statuses[index], errors.get(index));
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

/** Calls `onStep` with each step index the apply script announces on its stdout, as chunks arrive. */
export function stepWatcher(nonce: string, onStep: (unit: number) => void): (chunk: string) => void {
  const marker = `@@muster-${nonce}-step:`;
  let pending = "";
  return (chunk) => {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) if (line.startsWith(marker)) onStep(Number(line.slice(marker.length)));
  };
}
