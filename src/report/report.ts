import { categoryOf, connectionCategory, type ErrorCategory, MusterError } from "../engine/errors.ts";
import type { HostResult, RunReport } from "../engine/result.ts";
import { maskRevealed } from "../text/secrets.ts";

/** Every string of a value with decrypted vault texts masked (errors, details, diffs, warnings). */
function masked<T>(value: T): T {
  if (typeof value === "string") return maskRevealed(value) as T;
  if (Array.isArray(value)) return value.map(masked) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, masked(item)])) as T;
  }
  return value;
}

/**
 * Builds the run report: per-host results, the fleet summary and the exit code (the largest
 * host code). A host that failed without a category gets the one its command and exit code mean.
 */
export function buildReport(
  command: string,
  options: { dryRun: boolean; startedAt: Date; exitCode?: number },
  hosts: HostResult[],
): RunReport {
  for (const host of hosts) {
    if (!host.category && (host.status === "failed" || host.status === "unreachable")) {
      host.category = fallbackCategory(command, host);
    }
  }
  const count = (status: HostResult["status"]) => hosts.filter((host) => host.status === status).length;
  return {
    command,
    dryRun: options.dryRun,
    startedAt: options.startedAt.toISOString(),
    durationMs: Date.now() - options.startedAt.getTime(),
    exitCode: Math.max(options.exitCode ?? 0, ...hosts.map((host) => host.exitCode)),
    summary: {
      hosts: hosts.length,
      ok: count("ok"),
      changed: count("changed"),
      failed: count("failed"),
      unreachable: count("unreachable"),
      skipped: count("skipped"),
    },
    hosts: masked(hosts),
  };
}

/** Step counts of a host, as the recap shows them. */
export function stepCounts(host: HostResult) {
  const count = (status: string) => host.steps.filter((step) => step.status === status).length;
  return {
    ok: count("ok"),
    changed: count("changed"),
    failed: count("failed") +
      (host.status === "failed" && !host.steps.some((s) => s.status === "failed") ? 1 : 0),
    skipped: count("skipped"),
    unreachable: host.status === "unreachable" ? 1 : 0,
  };
}

/** What a failed check of `validate` means. */
const VALIDATE_CHECKS: Record<string, ErrorCategory | "connect"> = {
  inventory: "validation",
  resolve: "network",
  ssh: "connect",
  privileges: "auth",
  commands: "install",
  prefix: "install",
};

/**
 * The category of a failed host that its command did not name: an unreachable host's from
 * its words; a failed check of `validate` by the check; else what the exit code means for
 * the command (RFE333's codes).
 */
export function fallbackCategory(
  command: string,
  host: Pick<HostResult, "status" | "exitCode" | "error" | "steps">,
): ErrorCategory {
  if (host.status === "unreachable") return connectionCategory(host.error ?? "");
  if (host.exitCode === 130) return "cancelled";
  if (command === "validate") {
    const failed = host.steps.find((step) => step.status === "failed") as
      | (HostResult["steps"][number] & { detail?: string })
      | undefined;
    const category = VALIDATE_CHECKS[failed?.step ?? ""] ?? "validation";
    return category === "connect" ? connectionCategory(failed?.detail ?? failed?.error ?? "") : category;
  }
  if (host.exitCode === 1) return "validation";
  if (command === "uninstall") return host.exitCode === 3 ? "service" : "install";
  return host.exitCode === 2 ? "build" : host.exitCode >= 4 ? "service" : "install";
}

/** The report of a run that ended before any host result: its error, with the category. */
export function failedReport(
  command: string,
  options: { startedAt: Date; runId?: string },
  error: unknown,
): RunReport {
  const category = categoryOf(error, "validation");
  const { message, hint, exitCode } = error as MusterError;
  return {
    ...(options.runId ? { runId: options.runId } : {}),
    ...buildReport(command, { dryRun: false, startedAt: options.startedAt, exitCode }, []),
    error: { message, category, ...(hint ? { hint } : {}) },
  };
}

/** The slowest steps that ran (changed or failed), slowest first, over the fleet. */
export function slowestSteps(report: RunReport, count = 3) {
  return report.hosts
    .flatMap((host) =>
      host.steps.filter((step) => step.status === "changed" || step.status === "failed")
        .map((step) => ({ host: host.name, role: step.role, step: step.step, durationMs: step.durationMs }))
    )
    .filter((step) => step.durationMs > 0)
    .sort((a, b) => b.durationMs - a.durationMs)
    .slice(0, count);
}
