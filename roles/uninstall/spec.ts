/** What `uninstall` is asked to do on one host, from the command line and the inventory. */

import { UsageError } from "../../src/engine/errors.ts";
import { checkPrefix, SYSTEM_PATHS } from "../../src/flame/prefix.ts";

/** A directory of the installation that `--preserve-*` can keep. */
export type Keepable = "data" | "conf" | "logs";

/** The wanted uninstall of one host. */
export interface UninstallSpec {
  /** Absolute, normalized installation prefix (checked by `checkUninstallPrefix`). */
  prefix: string;
  /** Directories kept in place (`--preserve-data`, `--preserve-config`, `--preserve-logs`). */
  preserve: Readonly<Record<Keepable, boolean>>;
  /** Where the backup goes; undefined with `--no-backup`. */
  backupDir?: string;
  /** Remove the service user and group (`--remove-user`). */
  removeUser: boolean;
  /** The service user. @default "flame" */
  serviceUser: string;
}

/** Top-level entries muster removes, in RFE333's order: binaries, SDK, work, data, conf, logs. */
export const REMOVED_IN_ORDER: readonly string[] = ["bin", "sbin", "sdk", "work", "data", "conf", "logs"];

/** The directories a backup holds, in the order they are copied. */
export const BACKED_UP: readonly Keepable[] = ["conf", "data", "logs"];

/** The directories of `BACKED_UP` this spec removes (so backs up). */
export function toBackUp(spec: UninstallSpec): Keepable[] {
  return BACKED_UP.filter((dir) => !spec.preserve[dir]);
}

/** The default backup directory: `PREFIX.backup.YYYYMMDD-HHMMSS` (RFE333). */
export function defaultBackupDir(prefix: string, stamp: string): string {
  return `${prefix}.backup.${stamp}`;
}

/**
 * Checks a prefix to uninstall on the controller, before any host is reached: absolute,
 * normalized, not a system path (also after resolving `.` and `..`), and with `flame` in it.
 * Returns it without a trailing slash; throws a `UsageError` (exit 1) otherwise.
 *
 * @example
 * ```ts
 * import { checkUninstallPrefix } from "./spec.ts";
 * checkUninstallPrefix("/opt/flame/"); // => "/opt/flame"
 * ```
 */
export function checkUninstallPrefix(prefix: string): string {
  if (prefix.startsWith("/")) {
    const resolved = normalize(prefix);
    if (SYSTEM_PATHS.includes(resolved)) {
      throw new UsageError(`Cannot uninstall: '${prefix}' is the system path '${resolved}'`, {
        hint: "pass the Flame installation's own directory with --prefix, e.g. /usr/local/flame",
      });
    }
  }
  const checked = checkPrefix(prefix);
  if (!/flame/i.test(checked)) {
    throw new UsageError(`Cannot uninstall: '${checked}' does not contain 'flame'`, {
      hint: "as a safety check, only a prefix with 'flame' in its path is removed",
    });
  }
  return checked;
}

/**
 * Checks `--backup-dir` on the controller: absolute, normalized, plain characters, not a
 * system path, and (when the prefix is known) neither the prefix, inside it (it would be
 * removed with it) nor around it.
 */
export function checkBackupDir(dir: string, prefix?: string): string {
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
      hint: "choose a --backup-dir outside the installation, e.g. /var/backups/flame",
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
