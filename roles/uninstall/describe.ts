import type { PreparedHost } from "../../src/engine/host.ts";
import { filesPlan } from "./files.ts";
import { installationFact } from "./facts.ts";
import { backedUp, type UninstallSpec } from "./spec.ts";

/** What uninstall will do on one host, as the confirmation prompt and the summary show it. */
export interface UninstallPlan {
  /** The application's title (`Flame`). */
  app: string;
  host: string;
  address: string;
  prefix: string;
  /** Why the host will not be uninstalled (unreachable, refused by a check). */
  error?: string;
  /** Nothing is installed there (or nothing left to remove). */
  nothingToDo: boolean;
  /** Services stopped first, in order. */
  stop: string[];
  /** Everything removed, in order (unit files, directories, the prefix, the user). */
  remove: string[];
  /** Directories kept in place by `--preserve-*`. */
  preserve: string[];
  /** Where the backup goes and what it holds; undefined when none is made. */
  backup?: { dir: string; contents: string[] };
  /** Directories deleted for good (`--no-backup`). */
  noBackup: string[];
  /** Entries muster does not know, which keep the prefix in place. */
  remains: string[];
}

/** Reads the plan of a prepared host (after facts and planning, before apply). */
export function describeUninstall(spec: UninstallSpec, prepared: PreparedHost): UninstallPlan {
  const { connection } = prepared.job;
  const changesOf = (name: string) =>
    prepared.steps.find((planned) => planned.step.name === name)?.changes ?? [];
  const error = prepared.failure?.error.message ??
    prepared.steps.find((planned) => planned.error)?.error?.message;
  const installation = prepared.facts && !prepared.failure
    ? prepared.facts.get(installationFact(spec.prefix, spec.app))
    : undefined;
  const files = installation ? filesPlan(spec, installation) : { remove: [], preserved: [], unknown: [] };
  const backupChange = changesOf("backup")[0];
  const backups = backedUp(spec.app);
  const copied = backupChange ? backups.filter((name) => files.remove.includes(name)) : [];
  const all = prepared.steps.flatMap((planned) => planned.changes);
  return {
    app: spec.app.title,
    host: connection.name,
    address: connection.address,
    prefix: spec.prefix,
    ...(error ? { error } : {}),
    nothingToDo: !error && all.length === 0,
    stop: changesOf("services").map((change) => change.target.replace(/^service /, "")),
    remove: [...changesOf("units"), ...changesOf("files"), ...changesOf("user")]
      .filter((change) => change.action === "remove")
      .map((change) => change.target),
    preserve: files.preserved.map((name) => `${spec.prefix}/${name}/`),
    ...(backupChange && spec.backupDir
      ? { backup: { dir: spec.backupDir, contents: copied.map((n) => `${n}/`) } }
      : {}),
    noBackup: spec.backupDir ? [] : backups.filter((name) => files.remove.includes(name)).map(
      (name) => `${spec.prefix}/${name}/`,
    ),
    remains: files.unknown.map((name) => `${spec.prefix}/${name}`),
  };
}
