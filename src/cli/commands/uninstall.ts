import { Command } from "@commander-js/extra-typings";
import { CANCELLED, checkUninstallOptions, uninstall, type UninstallPlan } from "../../commands/uninstall.ts";
import { UsageError } from "../../engine/errors.ts";
import type { RunEvent } from "../../engine/events.ts";
import type { RunReport } from "../../engine/result.ts";
import { makeStyle, type Style } from "../../report/style.ts";
import { type CommonFlags, withAppOption, withCommonOptions } from "../common.ts";
import { appOf } from "../../commands/targets.ts";
import { type Io, useColor } from "../io.ts";
import { runCommand } from "../run.ts";

/** `muster uninstall`. */
export function uninstallCommand(io: Io) {
  return withCommonOptions(withAppOption(new Command("uninstall")))
    .description("remove the application (default: Flame) from every selected host, with a verified backup")
    .option(
      "--prefix <dir>",
      "installation to remove (default: the app's PREFIX_prefix variable, else its default: muster apps NAME)",
    )
    .option("--preserve-data", "keep PREFIX/data/ in place", false)
    .option("--preserve-config", "keep PREFIX/conf/ in place", false)
    .option("--preserve-logs", "keep PREFIX/logs/ in place", false)
    .option(
      "--backup-dir <dir>",
      "where the backup of conf/, data/, logs/ goes (default: PREFIX.backup.YYYYMMDD-HHMMSS)",
    )
    .option(
      "--no-backup",
      "delete conf/, data/ and logs/ without a backup (asks to type 'yes'; needs --force without a terminal)",
    )
    .option("--force", "do not ask for confirmation", false)
    .option("--remove-user", "remove the app's user and group (flame), when no process runs as it", false)
    .option("--dry-run", "print what would be removed on each host, change nothing", false)
    .action(async (own) => {
      const flags = own as typeof own & CommonFlags;
      const style = makeStyle(useColor(io, flags.color));
      const noBackup = flags.backup === false;
      let plans: UninstallPlan[] = [];
      await runCommand(io, flags, async (context) => {
        const options = {
          ...context.common,
          prefix: flags.prefix,
          preserveData: flags.preserveData,
          preserveConfig: flags.preserveConfig,
          preserveLogs: flags.preserveLogs,
          backupDir: flags.backupDir,
          noBackup,
          removeUser: flags.removeUser,
          dryRun: flags.dryRun,
        };
        checkUninstallOptions(options, await appOf(options));
        if (!flags.dryRun && !flags.force) checkCanAsk(io, noBackup);
        // Progress waits until the prompt is answered, so it cannot draw over it.
        const gate = holdProgress(context.common.emit ?? (() => {}), !flags.dryRun);
        const report = await uninstall({
          ...options,
          emit: gate.emit,
          confirm: async (planned) => {
            plans = planned;
            const ok = flags.force || await confirm(io, style, planned, noBackup);
            // Cancelled: the hosts never start, so their progress is dropped.
            if (ok) gate.release();
            return ok;
          },
        });
        if (!flags.dryRun && flags.format === "text") {
          if (report.hosts.length > 0 && report.hosts.every((host) => host.error === CANCELLED)) {
            io.err("Cancelled: nothing was changed.\n");
          } else if (plans.length > 0) io.out(renderSummary(report, plans, style) + "\n\n");
        }
        return report;
      }, { plan: flags.dryRun });
    });
}

/** Refuses to start when a confirmation is needed and cannot be asked. */
export function checkCanAsk(io: Io, noBackup: boolean): void {
  if (io.stdinTty) return;
  if (noBackup) {
    throw new UsageError("--no-backup deletes conf/, data/ and logs/ for good and needs a typed 'yes'", {
      hint: "run it at a terminal, or pass --force to delete without asking",
    });
  }
  throw new UsageError("Cannot ask for confirmation: standard input is not a terminal", {
    hint: "pass --force to uninstall without asking, or --dry-run to see what would be removed",
  });
}

/** Holds host progress events until `release()`, then replays them; never released, they are dropped. */
function holdProgress(emit: (event: RunEvent) => void, hold: boolean) {
  let held: RunEvent[] | undefined = hold ? [] : undefined;
  return {
    emit(event: RunEvent) {
      if (
        held && (event.type === "host-start" || event.type === "host-phase" || event.type === "host-plan")
      ) held.push(event);
      else emit(event);
    },
    release() {
      const events = held ?? [];
      held = undefined;
      for (const event of events) emit(event);
    },
  };
}

/** Shows every host's plan and asks once; with `--no-backup`, also asks to type `yes`. */
export async function confirm(
  io: Io,
  style: Style,
  plans: UninstallPlan[],
  noBackup: boolean,
): Promise<boolean> {
  const acting = plans.filter((plan) => !plan.error && !plan.nothingToDo);
  if (acting.length === 0) return true;
  io.err(renderConfirmation(plans, style) + "\n");
  const hosts = `${acting.length} host${acting.length === 1 ? "" : "s"}`;
  const answer = await io.prompt(`Uninstall ${acting[0].app} from ${hosts}? [y/N] `);
  if (!/^\s*y(es)?\s*$/i.test(answer ?? "")) return false;
  if (noBackup && acting.some((plan) => plan.noBackup.length > 0)) {
    io.err(style.red("No backup: the directories listed as deleted for good cannot be recovered.\n"));
    const typed = await io.prompt("Type 'yes' to delete them without a backup: ");
    if ((typed ?? "").trim() !== "yes") return false;
  }
  return true;
}

/** The confirmation text: per host, what is stopped, removed, preserved, and where the backup goes. */
export function renderConfirmation(plans: UninstallPlan[], style: Style): string {
  const out = [style.bold("muster uninstall will:")];
  for (const plan of plans) {
    out.push("", style.bold(`${plan.host} (${plan.address}): ${plan.prefix}`));
    if (plan.error) {
      out.push(`  ${style.red("!")} not uninstalled: ${plan.error}`);
      continue;
    }
    if (plan.nothingToDo) {
      out.push(`  nothing to do: no ${plan.app} installation there`);
      continue;
    }
    if (plan.stop.length) out.push(`  stop:      ${plan.stop.join(", ")}`);
    for (const target of plan.remove) out.push(`  ${style.red("-")} remove ${target}`);
    for (const dir of plan.noBackup) out.push(`  ${style.red("!")} ${dir} is deleted for good (--no-backup)`);
    for (const dir of plan.preserve) out.push(`  ${style.green("=")} preserve ${dir}`);
    if (plan.backup) {
      out.push(`  ${style.green("+")} backup of ${plan.backup.contents.join(", ")} to ${plan.backup.dir}`);
    } else if (plan.noBackup.length === 0) {
      out.push("  no backup needed: what a backup holds is all kept or absent");
    }
    if (plan.remains.length) out.push(`  ${plan.prefix} stays: it also holds ${plan.remains.join(", ")}`);
  }
  return out.join("\n");
}

/**
 * The summary after the run (RFE333 step 14): per host, what was stopped, removed, kept and
 * backed up. What needs a hand (a kept prefix or user, a service that would not stop) follows
 * as warnings in the recap.
 */
export function renderSummary(report: RunReport, plans: UninstallPlan[], style: Style): string {
  const out = [style.bold("Uninstall summary")];
  for (const host of report.hosts) {
    const plan = plans.find((p) => p.host === host.name);
    out.push(style.bold(`${host.name}: ${plan?.prefix ?? ""}`));
    if (plan?.nothingToDo) {
      out.push(`  nothing to do: no ${plan.app} installation there`);
      continue;
    }
    // A warning means the user or the prefix was kept.
    const removed = host.steps
      .filter((step) => step.status === "changed" && !(step.step === "user" && step.warnings?.length))
      .flatMap((step) =>
        step.changes.filter((change) => change.action === "remove").map((change) => change.target)
      )
      .filter((target) =>
        !(plan && target === `${plan.prefix}/` && host.steps.some((s) => s.warnings?.length))
      );
    const stopped = host.steps.find((step) => step.step === "services" && step.status === "changed");
    if (stopped) {
      out.push(`  stopped:   ${stopped.changes.map((c) => c.target.replace(/^service /, "")).join(", ")}`);
    }
    out.push(
      `  removed:   ${
        removed.length ? removed.map((target) => short(target, plan?.prefix)).join(", ") : "nothing"
      }`,
    );
    if (plan?.preserve.length) out.push(`  preserved: ${plan.preserve.join(", ")}`);
    if (host.backupDir) out.push(`  backup:    ${host.backupDir} (verified against MANIFEST.sha256)`);
  }
  return out.join("\n");
}

/** A removed target as the summary shows it: relative to the prefix, unit files by name. */
function short(target: string, prefix = ""): string {
  if (target === `${prefix}/`) return `${prefix}/ itself`;
  if (prefix && target.startsWith(`${prefix}/`)) return target.slice(prefix.length + 1);
  return target.replace(/^\/etc\/systemd\/system\//, "");
}
