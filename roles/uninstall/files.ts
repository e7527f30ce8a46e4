import { type Change, shOp } from "../../src/engine/change.ts";
import { UninstallExit } from "../../src/engine/errors.ts";
import type { Step } from "../../src/engine/step.ts";
import { sh } from "../../src/transport/quote.ts";
import { appBinaries, installed } from "./checks.ts";
import { artifactDir, type Installation, installationFact } from "./facts.ts";
import { backedUp, preservedDirs, type UninstallSpec } from "./spec.ts";

/** The top-level entry holding the release store (see roles/release/store.ts). */
const RELEASE_STORE = ".releases";

/** What the files step does with the top-level entries of the prefix. */
export interface FilesPlan {
  /** Entries removed, in order. */
  remove: string[];
  /** Entries kept because of `--preserve-*`. */
  preserved: string[];
  /** Other entries, which muster never removes (so the prefix stays). */
  unknown: string[];
}

/** Splits the prefix's entries into removed, preserved and unknown ones. */
export function filesPlan(spec: UninstallSpec, installation: Installation): FilesPlan {
  if (!installed(installation) || installation.kind !== "directory") {
    return { remove: [], preserved: [], unknown: [] };
  }
  const names = new Set(installation.entries.map((entry) => entry.name));
  // The release store (kept releases of the artifacts) goes with the artifacts.
  const order = [...spec.app.definition.uninstall.remove, RELEASE_STORE];
  const kept = preservedDirs(spec);
  return {
    remove: order.filter((name) => names.has(name) && !kept.includes(name)),
    preserved: order.filter((name) => names.has(name) && kept.includes(name)),
    unknown: [...names].filter((name) => !order.includes(name)).sort(),
  };
}

/**
 * `uninstall`: remove the app's top-level entries in its order (Flame: `bin/`, `sbin/`, `sdk/`,
 * `work/`, `data/`, `conf/` and `logs/`), each unless preserved,, then the prefix when it is empty; otherwise warn with what remains.
 * `rm -rf --one-file-system` on paths inside the prefix: a symlink is removed as a link,
 * never followed, and nothing on another file system is touched.
 */
export function filesStep(spec: UninstallSpec): Step {
  const installation = installationFact(spec.prefix, spec.app);
  const { prefix } = spec;
  return {
    role: "uninstall",
    name: "files",
    exitCode: UninstallExit.failure,
    facts: [installation],
    plan(facts) {
      const found = facts.get(installation);
      const plan = filesPlan(spec, found);
      if (plan.remove.length === 0) return [];
      const changes: Change[] = plan.remove.map((name) => ({
        action: "remove",
        target: `${prefix}/${name}/`,
        ...(detailOf(spec, found, name) ? { detail: detailOf(spec, found, name) } : {}),
        ops: [shOp(sh`rm -rf --one-file-system -- ${`${prefix}/${name}`}`)],
      }));
      changes[0].ops.unshift(shOp(recheck(prefix)));
      if (plan.preserved.length === 0 && plan.unknown.length === 0) {
        changes.push({ action: "remove", target: `${prefix}/`, detail: "once empty", ops: [] });
      }
      changes.at(-1)!.ops.push(shOp(finish(prefix, plan.preserved)));
      return changes;
    },
  };
}

function detailOf(spec: UninstallSpec, installation: Installation, name: string): string | undefined {
  const { app } = spec;
  if (app.artifacts.length && name === artifactDir(app)) {
    const count = appBinaries(app, installation).length;
    return `${count} ${app.title} binar${count === 1 ? "y" : "ies"}`;
  }
  if (backedUp(app).includes(name)) {
    return spec.backupDir ? `backed up to ${spec.backupDir}/${name}` : "no backup (--no-backup)";
  }
  if (name === RELEASE_STORE) return "kept releases, for rollback";
  return app.layout.find((dir) => dir.path === name)?.detail;
}

/** Shell that refuses to go on when the prefix changed since it was checked (became a symlink). */
function recheck(prefix: string): string {
  return sh`if [ -L ${prefix} ] || [ "$(realpath -e -- ${prefix})" != ${prefix} ]; then ` +
    sh`echo ${`${prefix} is no longer the directory that was checked; nothing removed`} >&2; exit 1; fi`;
}

/** Shell that removes the prefix when empty; otherwise warns with what remains besides preserved dirs. */
function finish(prefix: string, preserved: string[]): string {
  const others = preserved.length
    ? sh`ls -A -- ${prefix} | grep -vxF ${preserved.flatMap((name) => ["-e", name])} || true`
    : sh`ls -A -- ${prefix}`;
  return [
    `muster_rest=$(${others})`,
    sh`if [ -z "$(ls -A -- ${prefix})" ]; then rmdir -- ${prefix}`,
    sh`elif [ -n "$muster_rest" ]; then muster_warn ${`${prefix} kept: it still holds:`} "$(printf '%s\\n' "$muster_rest" | awk 'NR > 1 { printf ", " } { printf "%s", $0 }')"`,
    "fi",
  ].join("\n");
}
