/**
 * The `uninstall` role, in RFE333's order: checks, stop services, backup, units (and
 * daemon-reload), files (binaries, SDK, work, data, conf, logs, the prefix if empty),
 * user. The confirmation comes between planning and apply (`runJobs`' `confirm`).
 */
import type { Step } from "../../src/engine/step.ts";
import { backupStep } from "../backup/mod.ts";
import { checksStep } from "./checks.ts";
import { filesStep } from "./files.ts";
import { servicesStep } from "./services.ts";
import { toBackUp, type UninstallSpec } from "./spec.ts";
import { unitsStep } from "./units.ts";
import { userStep } from "./user.ts";

export { checkBackupDir, checkUninstallPrefix, defaultBackupDir, type UninstallSpec } from "./spec.ts";
export { describeUninstall, type UninstallPlan } from "./describe.ts";

/** The steps of `uninstall` on one host, in order. */
export function uninstallSteps(spec: UninstallSpec): Step[] {
  return [
    checksStep(spec),
    servicesStep(spec),
    ...(spec.backupDir
      ? [backupStep({ prefix: spec.prefix, dirs: toBackUp(spec), target: spec.backupDir })]
      : []),
    unitsStep(spec),
    filesStep(spec),
    userStep(spec),
  ];
}
