import {
  checkBackupDir,
  checkUninstallPrefix,
  defaultBackupDir,
  describeUninstall,
  type UninstallPlan,
  type UninstallSpec,
  uninstallSteps,
} from "../../roles/uninstall/mod.ts";
import { UninstallExit, UsageError } from "../engine/errors.ts";
import type { RunEvent } from "../engine/events.ts";
import type { PreparedHost } from "../engine/host.ts";
import type { HostResult, RunReport } from "../engine/result.ts";
import { runJobs } from "../engine/run.ts";
import type { Inventory } from "../inventory/types.ts";
import type { App } from "../app/app.ts";
import { defaultPrefix, stampOf, type Target } from "../app/spec.ts";
import { appVarsOf } from "../app/vars.ts";
import { templatedVars } from "../inventory/templated.ts";
import { overlay } from "../template/render.ts";
import { buildReport } from "../report/report.ts";
import { connectorFor } from "./connect.ts";
import { runLock } from "./lock.ts";
import type { CommonOptions } from "./options.ts";
import { appOf, loadTargets } from "./targets.ts";

export type { UninstallPlan };

/** Options of `uninstall` (RFE333's flags). */
export interface UninstallOptions extends CommonOptions {
  /** Installation prefix. @default flame_prefix, else $FLAME_PREFIX, else /usr/local/flame */
  prefix?: string;
  /** Keep `PREFIX/data/`. @default false */
  preserveData?: boolean;
  /** Keep `PREFIX/conf/`. @default false */
  preserveConfig?: boolean;
  /** Keep `PREFIX/logs/`. @default false */
  preserveLogs?: boolean;
  /** Backup directory on each host. @default PREFIX.backup.YYYYMMDD-HHMMSS */
  backupDir?: string;
  /** Delete without a backup. @default false */
  noBackup?: boolean;
  /** Remove the app's user and group when no process runs as it. @default false */
  removeUser?: boolean;
  /** Plan only: print what would happen, change nothing. @default false */
  dryRun?: boolean;
  /**
   * Asked once, after every host is planned and before anything changes, with each host's
   * plan; `false` cancels the run (nothing changes, exit 0). Without it nothing is asked.
   */
  confirm?: (plans: UninstallPlan[]) => Promise<boolean>;
  /** Clock for the backup directory's timestamp. @default new Date() */
  now?: Date;
  env?: { get(key: string): string | undefined };
}

/** Checks option combinations that can never work (exit 1), before any host is reached. */
export function checkUninstallOptions(options: UninstallOptions, app: App): void {
  if (options.noBackup && options.backupDir !== undefined) {
    throw new UsageError("Conflicting options: --no-backup and --backup-dir", {
      hint: "drop one: --backup-dir says where the backup goes, --no-backup says there is none",
    });
  }
  const prefix = options.prefix !== undefined ? checkUninstallPrefix(options.prefix, app) : undefined;
  if (options.backupDir !== undefined) checkBackupDir(options.backupDir, prefix, app);
}

/** The uninstall spec of a host: the prefix from the command line, the inventory or the default. */
export function uninstallSpec(
  app: App,
  options: UninstallOptions,
  host: { inventory: Inventory; target: Target },
  stamp: string,
): UninstallSpec {
  const vars = appVarsOf(app, host.target.host, host.inventory);
  const prefixVar = vars[app.varName("prefix")] as string | undefined;
  const prefix = checkUninstallPrefix(options.prefix ?? prefixVar ?? defaultPrefix(app, options.env), app);
  const backupDir = options.noBackup
    ? undefined
    : options.backupDir !== undefined
    ? checkBackupDir(options.backupDir, prefix, app)
    : defaultBackupDir(prefix, stamp);
  return {
    app,
    vars: overlay(templatedVars(host.target.host, host.inventory), {
      ...vars,
      [app.varName("prefix")]: prefix,
    }),
    prefix,
    preserve: {
      data: options.preserveData ?? false,
      conf: options.preserveConfig ?? false,
      logs: options.preserveLogs ?? false,
    },
    ...(backupDir ? { backupDir } : {}),
    removeUser: options.removeUser ?? false,
    serviceUser: app.definition.user.name,
  };
}

/**
 * `muster uninstall`: plans every selected host (safety checks first), asks `confirm` once
 * with every host's plan, then on each host stops the services, backs up, and removes the
 * installation. With `dryRun`, only plans. Returns the run report; a cancelled run reports
 * every host as skipped and exits 0.
 */
export async function uninstall(options: UninstallOptions): Promise<RunReport> {
  const startedAt = options.now ?? new Date();
  const emit = options.emit ?? ((_: RunEvent) => {});
  const app = await appOf(options);
  checkUninstallOptions(options, app);
  const { inventory, targets } = await loadTargets(options);
  const stamp = stampOf(startedAt);
  const specs = targets.map((target) => uninstallSpec(app, options, { inventory, target }, stamp));
  const lock = runLock(app, "uninstall", options, startedAt);
  const jobs = targets.map((target, i) => ({
    connection: target.connection,
    steps: [
      lock(specs[i].prefix),
      ...uninstallSteps(specs[i]),
    ],
  }));
  const confirm = options.confirm;
  const outcome = await runJobs(jobs, {
    ...options,
    dryRun: options.dryRun ?? false,
    emit,
    unreachableExitCode: UninstallExit.failure,
    connect: connectorFor(options),
    // Every host is planned before anything changes, so a refused host is known before any removal.
    confirm: (prepared: PreparedHost[]) =>
      confirm
        ? confirm(prepared.map((p) => describeUninstall(specs[jobs.indexOf(p.job)], p)))
        : Promise.resolve(true),
  });
  if (outcome.cancelled) {
    return buildReport("uninstall", { dryRun: false, startedAt }, outcome.results.map(cancelled));
  }
  return buildReport("uninstall", { dryRun: options.dryRun ?? false, startedAt }, outcome.results);
}

/** The error of every host of a run cancelled at the prompt. */
export const CANCELLED = "cancelled at the confirmation prompt: nothing changed";

function cancelled(result: HostResult): HostResult {
  const { error: _error, hint: _hint, ...rest } = result;
  return {
    ...rest,
    status: "skipped",
    exitCode: 0,
    error: CANCELLED,
    steps: result.steps.map((step) => ({ ...step, status: "skipped" })),
  };
}
