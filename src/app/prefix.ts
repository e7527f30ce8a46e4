import { UsageError } from "../engine/errors.ts";

/** System paths that are never a prefix, nor removed. */
export const SYSTEM_PATHS: readonly string[] = [
  "/",
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/home",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/media",
  "/mnt",
  "/opt",
  "/proc",
  "/root",
  "/run",
  "/sbin",
  "/srv",
  "/sys",
  "/tmp",
  "/usr",
  "/usr/bin",
  "/usr/lib",
  "/usr/local",
  "/usr/local/bin",
  "/usr/sbin",
  "/usr/share",
  "/var",
  "/var/lib",
  "/var/log",
];

/**
 * Checks an installation prefix: absolute, already normalized (no `.`, `..` or `//`),
 * of plain characters (it ends up in unit files and shell), and not a system path.
 * Returns it without a trailing slash.
 */
export function checkPrefix(prefix: string, flag = "--prefix"): string {
  const trimmed = prefix.length > 1 ? prefix.replace(/\/+$/, "") : prefix;
  if (!trimmed.startsWith("/")) {
    throw new UsageError(`Invalid prefix: '${prefix}' is not an absolute path`, {
      hint: `pass an absolute ${flag}`,
    });
  }
  if (trimmed.split("/").some((part, i) => i > 0 && (part === "" || part === "." || part === ".."))) {
    throw new UsageError(`Invalid prefix: '${prefix}' is not a normalized path (no '.', '..' or '//')`);
  }
  if (!/^[A-Za-z0-9._+\/-]+$/.test(trimmed)) {
    throw new UsageError(
      `Invalid prefix: '${prefix}' has characters other than letters, digits and '._+-/'`,
    );
  }
  if (SYSTEM_PATHS.includes(trimmed)) {
    throw new UsageError(`Invalid prefix: '${trimmed}' is a system path`);
  }
  return trimmed;
}
