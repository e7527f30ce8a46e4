import { shOp } from "../../src/engine/change.ts";
import type { Step } from "../../src/engine/step.ts";
import type { AppSpec } from "../../src/app/spec.ts";
import { sh } from "../../src/transport/quote.ts";
import { cleaning, prefixFact } from "./context.ts";

/** Where `--clean` keeps the old installation. */
export function cleanBackupDir(spec: AppSpec): string {
  return `${spec.prefix}.backup.${spec.stamp}`;
}

/**
 * `install --clean`, first half: stop the services and move the old installation aside
 * (one rename, so nothing is lost); if anything later fails, it is moved back.
 */
export function cleanStep(spec: AppSpec): Step {
  const backup = cleanBackupDir(spec);
  const units = [...spec.app.services].reverse().map((service) => `${service.name}.service`);
  return {
    role: "install",
    name: "clean",
    exitCode: 3,
    facts: [prefixFact(spec)],
    plan(facts) {
      if (!cleaning(facts, spec)) return [];
      return [{
        action: "remove",
        target: spec.prefix,
        detail: `old installation moved to ${backup}; its conf/ and data/ are kept there`,
        ops: [
          shOp(
            sh`if command -v systemctl >/dev/null 2>&1; then for u in ${units}; do ` +
              `systemctl stop "$u" >/dev/null 2>&1 || true; done; fi`,
          ),
          shOp(sh`[ ! -e ${backup} ] || { echo ${`${backup} already exists`} >&2; exit 1; }`),
          shOp(sh`mv -- ${spec.prefix} ${backup}`),
          shOp(sh`muster_note backupDir ${backup}`),
        ],
      }];
    },
    rollback(facts) {
      if (!cleaning(facts, spec)) return undefined;
      return sh`if [ -d ${backup} ]; then rm -rf -- ${spec.prefix}; mv -- ${backup} ${spec.prefix}; ` +
        sh`echo ${`restored the previous installation from ${backup}`} >&2; fi`;
    },
  };
}

/** `install --clean`, second half: once the new installation is in place, keep only conf/ and data/ in the backup. */
export function cleanFinishStep(spec: AppSpec): Step {
  const backup = cleanBackupDir(spec);
  return {
    role: "install",
    name: "clean-finish",
    exitCode: 3,
    facts: [prefixFact(spec)],
    plan(facts) {
      if (!cleaning(facts, spec)) return [];
      return [{
        action: "remove",
        target: `${backup} (all but conf/ and data/)`,
        ops: [
          shOp(sh`find ${backup} -mindepth 1 -maxdepth 1 ! -name conf ! -name data -exec rm -rf -- {} +`),
        ],
      }];
    },
  };
}
