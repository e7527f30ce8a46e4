import { Command } from "@commander-js/extra-typings";
import { audit, type AuditEntry, lockRelease, type LockState, lockStatus } from "../../commands/lock.ts";
import type { HostResult, RunReport } from "../../engine/result.ts";
import type { Style } from "../../report/style.ts";
import { type CommonFlags, withAppOption, withCommonOptions } from "../common.ts";
import type { Io } from "../io.ts";
import { runCommand } from "../run.ts";

const PREFIX_HELP = "installation prefix (default: the app's PREFIX_prefix variable, else its default)";

/** `muster lock status` and `muster lock release`. */
export function lockCommand(io: Io) {
  const lock = new Command("lock").description("the run lock each host holds while a run changes it");
  lock.addCommand(
    withCommonOptions(withAppOption(new Command("status")))
      .description("show which hosts are locked, by whom (user@controller, pid, command, since when)")
      .option("--prefix <dir>", PREFIX_HELP)
      .action(async (own) => {
        const flags = own as typeof own & CommonFlags;
        await runCommand(io, flags, (context) => lockStatus({ ...context.common, prefix: flags.prefix }), {
          epilogue: (report, style) => renderLocks(report, style),
        });
      }) as unknown as Command,
  );
  lock.addCommand(
    withCommonOptions(withAppOption(new Command("release")))
      .description("remove the lock of each selected host, whoever holds it (a run that is gone)")
      .option("--prefix <dir>", PREFIX_HELP)
      .option("--dry-run", "print which locks would be removed, change nothing", false)
      .action(async (own) => {
        const flags = own as typeof own & CommonFlags;
        await runCommand(
          io,
          flags,
          (context) => lockRelease({ ...context.common, prefix: flags.prefix, dryRun: flags.dryRun }),
          { plan: flags.dryRun },
        );
      }) as unknown as Command,
  );
  return lock;
}

/** `muster audit`. */
export function auditCommand(io: Io) {
  return withCommonOptions(withAppOption(new Command("audit")))
    .description("print the last entries of each host's audit trail (every run that changed it)")
    .option("-n, --lines <n>", "entries per host", Number, 20)
    .action(async (own) => {
      const flags = own as typeof own & CommonFlags;
      await runCommand(io, flags, (context) => audit({ ...context.common, count: flags.lines }), {
        epilogue: (report, style) => renderAudit(report, style),
      });
    });
}

/** Each host's lock: free, or its holder. */
export function renderLocks(report: RunReport, style: Style): string {
  return (report.hosts as Array<HostResult & { lock?: LockState }>).map((host) => {
    const title = style.bold(`${host.name} (${host.address})`);
    if (!host.lock) return `${title}: ${style.red("not read")}${host.error ? `: ${host.error}` : ""}`;
    if (!host.lock.locked) return `${title}: free`;
    const h = host.lock.holder!;
    return `${title}: ${
      style.yellow("locked")
    } by ${h.user}@${h.controller} (pid ${h.pid}) since ${h.started}` +
      `${host.lock.stale ? " (stale: its holder is gone)" : ""}\n  ${h.command}`;
  }).join("\n");
}

/** Each host's last audit entries, oldest first. */
export function renderAudit(report: RunReport, style: Style): string {
  const out: string[] = [];
  for (const host of report.hosts as Array<HostResult & { audit?: AuditEntry[] }>) {
    out.push(style.bold(`${host.name} (${host.address})`));
    if (!host.audit) {
      out.push(`  ${host.error ? `${style.red("!")} ${host.error}` : "no entries"}`);
      continue;
    }
    if (host.audit.length === 0) out.push("  no entries");
    for (const entry of host.audit) {
      const outcome = entry.outcome === "ok" ? style.green(entry.outcome) : style.red(entry.outcome);
      out.push(
        `  ${entry.time}  ${entry.user}@${entry.controller}  ${outcome}  release ${
          entry.before || "none"
        } -> ${entry.after || "none"}  ${entry.command}`,
      );
    }
  }
  return out.join("\n");
}
