import type { RunReport } from "../engine/result.ts";
import { slowestSteps, stepCounts } from "./report.ts";
import { duration, type Style } from "./style.ts";

/** The recap: one line per host with its counts, duration and first error in plain words. */
export function renderRecap(report: RunReport, style: Style): string {
  const width = Math.max(4, ...report.hosts.map((host) => host.name.length));
  const lines = [style.bold(`RECAP (${report.command}${report.dryRun ? ", dry run" : ""})`)];
  for (const host of report.hosts) {
    const c = stepCounts(host);
    const colour = host.status === "failed" || host.status === "unreachable"
      ? style.red
      : host.status === "changed"
      ? style.yellow
      : host.status === "skipped"
      ? style.dim
      : style.green;
    const counts =
      `ok=${c.ok} changed=${c.changed} failed=${c.failed} skipped=${c.skipped} unreachable=${c.unreachable}`;
    lines.push(`${colour(host.name.padEnd(width))}  ${counts}  ${duration(host.durationMs)}`);
    if (host.error) {
      const label = host.category ? `error (${host.category}):` : "error:";
      lines.push(`  ${style.red(label)} ${indent(host.error)}`);
    }
    if (host.hint) lines.push(`  hint: ${host.hint}`);
    for (const step of host.steps) {
      for (const warning of step.warnings ?? []) lines.push(`  ${style.yellow("warning:")} ${warning}`);
    }
    if (host.backupDir) lines.push(`  backup: ${host.backupDir}`);
  }
  const slow = report.dryRun ? [] : slowestSteps(report);
  if (slow.length > 0) {
    lines.push(
      `slowest steps: ${
        slow.map((step) => `${step.host} ${step.role}/${step.step} ${duration(step.durationMs)}`).join(", ")
      }`,
    );
  }
  const s = report.summary;
  lines.push(
    `${s.hosts} host${s.hosts === 1 ? "" : "s"}: ${s.ok} ok, ${s.changed} changed, ${s.failed} failed, ` +
      `${s.unreachable} unreachable, ${s.skipped} skipped in ${
        duration(report.durationMs)
      }; exit ${report.exitCode}`,
  );
  return lines.join("\n");
}

function indent(text: string): string {
  return text.trim().split("\n").join("\n    ");
}
