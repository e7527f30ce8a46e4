import { maskSecrets } from "../text/mask.ts";

/**
 * Changes: what a step found different from the wanted state, and the operations that
 * make it so. The same list drives `--dry-run`, `status` and apply.
 */

/** Terraform-style action. */
export type Action = "create" | "change" | "remove";

/** Something apply runs on the host. */
export type Op =
  /**
   * A POSIX shell snippet, run inside the host's apply script (through `become`). One that
   * `writes` a file whole is left out when a later op of the script writes it again.
   */
  | { kind: "sh"; script: string; writes?: string }
  /** A file sent to the host and moved into place atomically. */
  | {
    kind: "upload";
    /** Local path or content. */
    source: string | Uint8Array;
    /** SHA-256 (hex) of the content. */
    sha256: string;
    dest: string;
    mode: number;
    owner?: string;
    group?: string;
  };

/** One planned change. */
export interface Change {
  action: Action;
  /** What changes: a path, `user flame`, `service flame-session-manager`, ... */
  target: string;
  /** Short description, e.g. `mode 0644 -> 0755`. */
  detail?: string;
  /** Unified diff for text files. */
  diff?: string;
  /** How apply makes the change. */
  ops: Op[];
}

/** A change without its ops, as reports show it. */
export type ReportedChange = Omit<Change, "ops">;

/** A change as reports show it: without its ops, and with secrets in its diff masked. */
export function reported({ action, target, detail, diff }: Change): ReportedChange {
  return {
    action,
    target,
    ...(detail ? { detail } : {}),
    ...(diff ? { diff: maskSecrets(diff, { diff: true }) } : {}),
  };
}

/** Shorthand for a shell op. */
export function shOp(script: string): Op {
  return { kind: "sh", script };
}

/** A shell op that writes `file` whole (see `Op`). */
export function writeOp(script: string, file: string): Op {
  return { kind: "sh", script, writes: file };
}
