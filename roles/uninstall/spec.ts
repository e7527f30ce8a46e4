/** What `uninstall` is asked to do on one host, from the command line and the inventory. */

import { UsageError } from "../../src/engine/errors.ts";
import type { App } from "../../src/app/app.ts";
import { checkPrefix, SYSTEM_PATHS } from "../../src/app/prefix.ts";

/** A directory of the installation that `--preserve-*` can keep. */
export type Keepable = "data" | "conf" | "logs";

/** The wanted uninstall of one host. */
export interface UninstallSpec {
  /** The application being removed. */
  app: App;
  /** What templates see (the host's variables, the prefix): to tell the app's service commands. */
  vars: Record<string, unknown>;
  /** Absolute, normalized installation prefix (checked by `checkUninstallPrefix`). */
  prefix: string;
  /** Directories kept in place (`--preserve-data`, `--preserve-config`, `--preserve-logs`). */
  preserve: Readonly<Record<Keepable, boolean>>;
  /** Where the backup goes; undefined with `--no-backup`. */
  backupDir?: string;
  /** Remove the service user and group (`--remove-user`). */
  removeUser: boolean;
  /** The service user (the app's). */
  serviceUser: string;
}

/** What each `--preserve-*` keeps, by what the app's layout says a directory holds. */
const HOLDS: Readonly<Record<Keepable, "data" | "config" | "logs">> = {
  conf: "config",
  data: "data",
  logs: "logs",
};

/** The directories a backup holds, in the order they are copied: configuration, data, logs. */
export function backedUp(app: App): string[] {
  return (["conf", "data", "logs"] as const).flatMap((keep) => app.dirsHolding(HOLDS[keep]));
}

/** The directories `--preserve-*` keeps in place. */
export function preservedDirs(spec: UninstallSpec): string[] {
  return (Object.keys(HOLDS) as Keepable[]).filter((keep) => spec.preserve[keep])
    .flatMap((keep) => spec.app.dirsHolding(HOLDS[keep]));
}

/** The backed-up directories this spec removes (so backs up). */
export function toBackUp(spec: UninstallSpec): string[] {
  const kept = preservedDirs(spec);
  return backedUp(spec.app).filter((dir) => !kept.includes(dir));
}

/** The default backup directory: `PREFIX.backup.YYYYMMDD-HHMMSS` (RFE333). */
export function defaultBackupDir(prefix: string, stamp: string): string {
  return `${prefix}.backup.${stamp}`;
}

/**
 * Checks a prefix to uninstall on the controller, before any host is reached: absolute,
 * normalized, not a system path (also after resolving `.` and `..`), and with the app's word
 * (`prefix.must_contain`, e.g. `flame`) in it.
 * Returns it without a trailing slash; throws a `UsageError` (exit 1) otherwise.
 *
 * @example
 * ```ts
 * import { checkUninstallPrefix } from "./spec.ts";
 * import { loadApp } from "../../src/app/load.ts";
 * checkUninstallPrefix("/opt/flame/", await loadApp("flame")); // => "/opt/flame"
 * ```
 */
export function checkUninstallPrefix(prefix: string, app: App): string {
  if (prefix.startsWith("/")) {
    const resolved = normalize(prefix);
    if (SYSTEM_PATHS.includes(resolved)) {
      throw new UsageError(`Cannot uninstall: '${prefix}' is the system path '${resolved}'`, {
        hint:
          `pass the ${app.title} installation's own directory with --prefix, e.g. ${app.definition.prefix.default}`,
      });
    }
  }
  const checked = checkPrefix(prefix);
  const word = app.definition.prefix.must_contain;
  if (!checked.toLowerCase().includes(word.toLowerCase())) {
    throw new UsageError(`Cannot uninstall: '${checked}' does not contain '${word}'`, {
      hint: `as a safety check, only a prefix with '${word}' in its path is removed`,
    });
  }
  return checked;
}

/**
 * Checks `--backup-dir` on the controller: absolute, normalized, plain characters, not a
 * system path, and (when the prefix is known) neither the prefix, inside it (it would be
 * removed with it) nor around it.
 */
export function checkBackupDir(dir: string, prefix?: string, app?: App): string {
  let checked: string;
  try {
    checked = checkPrefix(dir, "--backup-dir");
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    throw new UsageError(error.message.replace("Invalid prefix", "Invalid backup directory"), {
      hint: error.hint,
    });
  }
  if (
    prefix !== undefined &&
    (checked === prefix || checked.startsWith(`${prefix}/`) || prefix.startsWith(`${checked}/`))
  ) {
    throw new UsageError(`Invalid backup directory: '${checked}' overlaps the prefix '${prefix}'`, {
      hint: `choose a --backup-dir outside the installation, e.g. /var/backups/${app?.name ?? "muster"}`,
    });
  }
  return checked;
}

/** Resolves `.`, `..` and repeated slashes of an absolute path, without touching the disk. */
export function normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}
