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

/** Builds the run report: per-host results, the fleet summary and the exit code (the largest host code). */
export function buildReport(
  command: string,
  options: { dryRun: boolean; startedAt: Date; exitCode?: number },
  hosts: HostResult[],
): RunReport {
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
