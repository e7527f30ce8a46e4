/**
 * One error hierarchy for muster: every error a user can cause or meet carries the
 * exit code it means (RFE333's codes) and, where useful, a hint saying what to do.
 * Anything that is not a `MusterError` is a bug and is rethrown as such.
 */

/** Options shared by every muster error. */
export interface MusterErrorOptions {
  /** What the user can do about it, shown on its own line. */
  hint?: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

/** Base class: an error with a process exit code. */
export class MusterError extends Error {
  readonly exitCode: number;
  readonly hint?: string;
  constructor(message: string, exitCode: number, options: MusterErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = options.hint;
  }
}

/** Bad command-line usage or configuration: exit 1. */
export class UsageError extends MusterError {
  constructor(message: string, options: MusterErrorOptions = {}) {
    super(message, 1, options);
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
    super(position ? `${position.file}:${position.line}:${position.col}: ${message}` : message, 1, options);
    this.position = position;
  }
}

/** `cargo build` failed: exit 2. */
export class BuildError extends MusterError {
  /** Path of the full build log. */
  readonly logFile?: string;
  constructor(message: string, options: MusterErrorOptions & { logFile?: string } = {}) {
    super(message, 2, options);
    this.logFile = options.logFile;
  }
}

/** Installing files on a host failed (permissions, disk space, ...): exit 3. */
export class InstallError extends MusterError {
  constructor(message: string, options: MusterErrorOptions = {}) {
    super(message, 3, options);
  }
}

/** Writing or loading systemd units failed: exit 4. */
export class SystemdError extends MusterError {
  constructor(message: string, options: MusterErrorOptions = {}) {
    super(message, 4, options);
  }
}

/** A service did not start or did not become ready: exit 5. */
export class ServiceStartError extends MusterError {
  constructor(message: string, options: MusterErrorOptions = {}) {
    super(message, 5, options);
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

/** A host could not be reached or the connection broke. */
export class ConnectionError extends MusterError {
  constructor(message: string, options: MusterErrorOptions = {}) {
    // The command decides what an unreachable host means (3 for install, 4 for uninstall).
    super(message, 3, options);
  }
}

/** A remote command exited with a code the caller did not accept. */
export class CommandError extends MusterError {
  readonly code: number;
  readonly stderr: string;
  constructor(message: string, code: number, stderr: string, exitCode = 3) {
    super(message, exitCode);
    this.code = code;
    this.stderr = stderr;
  }
}

/** The run was cancelled (Ctrl-C or a timeout). */
export class CancelledError extends MusterError {
  constructor(message = "Cancelled") {
    super(message, 130);
  }
}

/** Returns the exit code an error means: its own for a `MusterError`, else rethrows it (a bug). */
export function exitCodeOf(error: unknown): number {
  if (error instanceof MusterError) return error.exitCode;
  throw error;
}
