/**
 * One error hierarchy for muster: every error a user can cause or meet carries the
 * exit code it means (RFE333's codes) and, where useful, a hint saying what to do.
 * Anything that is not a `MusterError` is a bug and is rethrown as such.
 */

/**
 * What kind of failure an error is, for the recap, the report, the events and the metrics:
 * `network` (unreachable, timeout, lost connection), `host-key`, `auth` (login refused, sudo
 * needs a password), `validation` (inventory, variables, arguments), `build`, `install`,
 * `service` (systemd, start), `health`, `cancelled`.
 */
export type ErrorCategory =
  | "network"
  | "host-key"
  | "auth"
  | "validation"
  | "build"
  | "install"
  | "service"
  | "health"
  | "cancelled";

/** Every category, in the order above. */
export const ERROR_CATEGORIES: readonly ErrorCategory[] = [
  "network",
  "host-key",
  "auth",
  "validation",
  "build",
  "install",
  "service",
  "health",
  "cancelled",
];

/** Options shared by every muster error. */
export interface MusterErrorOptions {
  /** What the user can do about it, shown on its own line. */
  hint?: string;
  /** The underlying error, if any. */
  cause?: unknown;
  /** What kind of failure it is. @default the class's, else the cause's */
  category?: ErrorCategory;
}

/** Base class: an error with a process exit code. */
export class MusterError extends Error {
  readonly exitCode: number;
  readonly hint?: string;
  /** Undefined for a plain `MusterError` without a cause that has one: the caller knows better. */
  readonly category?: ErrorCategory;
  constructor(message: string, exitCode: number, options: MusterErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = options.hint;
    this.category = options.category ??
      (options.cause instanceof MusterError ? options.cause.category : undefined);
  }
}

/**
 * The category of an error: its own, else `fallback`. Not a `MusterError`: a bug, rethrown.
 *
 * @example
 * ```ts
 * import { BuildError, categoryOf } from "./errors.ts";
 * categoryOf(new BuildError("cargo build failed"), "install"); // => "build"
 * ```
 */
export function categoryOf(error: unknown, fallback: ErrorCategory): ErrorCategory {
  if (error instanceof MusterError) return error.category ?? fallback;
  throw error;
}

/** Bad command-line usage or configuration: exit 1. */
export class UsageError extends MusterError {
  constructor(message: string, options: MusterErrorOptions = {}) {
    super(message, 1, { category: "validation", ...options });
  }
}

/** A source position inside an inventory or variables file. */
export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

/** A bad inventory: names the file, line and column, and what was expected. Exit 1. */
export class InventoryError extends MusterError {
  readonly position?: SourcePosition;
  constructor(message: string, position?: SourcePosition, options: MusterErrorOptions = {}) {
    super(position ? `${position.file}:${position.line}:${position.col}: ${message}` : message, 1, {
      category: "validation",
      ...options,
    });
    this.position = position;
  }
}

/** `cargo build` failed: exit 2. */
export class BuildError extends MusterError {
  /** Path of the full build log. */
  readonly logFile?: string;
  constructor(message: string, options: MusterErrorOptions & { logFile?: string } = {}) {
    super(message, 2, { category: "build", ...options });
    this.logFile = options.logFile;
  }
}

/** Installing files on a host failed (permissions, disk space, ...): exit 3. */
export class InstallError extends MusterError {
  constructor(message: string, options: MusterErrorOptions = {}) {
    super(message, 3, { category: "install", ...options });
  }
}

/** Writing or loading systemd units failed: exit 4. */
export class SystemdError extends MusterError {
  constructor(message: string, options: MusterErrorOptions = {}) {
    super(message, 4, { category: "service", ...options });
  }
}

/** A service did not start or did not become ready: exit 5. */
export class ServiceStartError extends MusterError {
  constructor(message: string, options: MusterErrorOptions = {}) {
    super(message, 5, { category: "service", ...options });
  }
}

/** Exit codes of `uninstall` (RFE333): each failure class has its own. */
export const UninstallExit = {
  /** Invalid arguments, or not a Flame installation. */
  usage: 1,
  /** Permission denied. */
  permission: 2,
  /** Services could not be stopped. */
  stop: 3,
  /** Backup or removal failed. */
  failure: 4,
} as const;

/**
 * A host could not be reached or the connection broke. Its category follows from the
 * reason the transport gives: a refused host key, a refused login, else the network.
 */
export class ConnectionError extends MusterError {
  constructor(message: string, options: MusterErrorOptions = {}) {
    // The command decides what an unreachable host means (3 for install, 4 for uninstall).
    super(message, 3, { category: connectionCategory(message), ...options });
  }
}

/** The category of a connection failure, from its words: `host-key`, `auth` or `network`. */
export function connectionCategory(message: string): ErrorCategory {
  if (/\bhost key (changed|revoked)|cannot record the host key/i.test(message)) return "host-key";
  if (/authentication failed|permission denied \(|no authentication methods|login refused/i.test(message)) {
    return "auth";
  }
  return "network";
}

/** A remote command exited with a code the caller did not accept. */
export class CommandError extends MusterError {
  readonly code: number;
  readonly stderr: string;
  constructor(message: string, code: number, stderr: string, exitCode = 3) {
    super(message, exitCode, { category: "install" });
    this.code = code;
    this.stderr = stderr;
  }
}

/** The run was cancelled (Ctrl-C or a timeout). */
export class CancelledError extends MusterError {
  constructor(message = "Cancelled") {
    super(message, 130, { category: "cancelled" });
  }
}

/** Returns the exit code an error means: its own for a `MusterError`, else rethrows it (a bug). */
export function exitCodeOf(error: unknown): number {
  if (error instanceof MusterError) return error.exitCode;
  throw error;
}
