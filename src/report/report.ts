import type { HostResult, RunReport } from "../engine/result.ts";

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
    hosts,
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
