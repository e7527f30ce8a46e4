import type { ReportedChange } from "./change.ts";
import type { ErrorCategory } from "./errors.ts";

/** Outcome of a step or a host. */
export type Status = "ok" | "changed" | "failed" | "skipped" | "unreachable";

/** What one step did on one host. */
export interface StepResult {
  role: string;
  step: string;
  status: Exclude<Status, "unreachable">;
  changes: ReportedChange[];
  /** Time it took on the host (from the apply script's own clock), else to plan it. */
  durationMs: number;
  error?: string;
  /** What kind of failure, when it failed. */
  category?: ErrorCategory;
  /** Non-fatal problems (a service that would not stop, a user kept). */
  warnings?: string[];
}

/** What happened on one host. */
export interface HostResult {
  name: string;
  address: string;
  status: Status;
  exitCode: number;
  durationMs: number;
  error?: string;
  /** What kind of failure, when the host failed, was unreachable or was cancelled. */
  category?: ErrorCategory;
  /** What the user can do about the error. */
  hint?: string;
  backupDir?: string;
  /** What was installed, for the summary (install only). */
  installed?: { app: string; prefix: string; profiles: string[]; systemd: boolean; enable: boolean };
  steps: StepResult[];
  /** When the host started (ISO time); absent for a host that never started. */
  startedAt?: string;
  /** The phases the host went through, in order, timed from its start. */
  phases?: PhaseTiming[];
}

/** One phase of a host: `connect`, `facts`, `plan`, `apply`, `verify`. */
export interface PhaseTiming {
  phase: string;
  /** Milliseconds from the host's start. */
  startMs: number;
  durationMs: number;
}

/** The whole run, as `--report` writes it. */
export interface RunReport {
  /** Names the run in the events, the journal and the metrics. */
  runId?: string;
  command: string;
  dryRun: boolean;
  startedAt: string;
  durationMs: number;
  exitCode: number;
  summary: {
    hosts: number;
    ok: number;
    changed: number;
    failed: number;
    unreachable: number;
    skipped: number;
  };
  hosts: HostResult[];
  /** What ended the run before any host result (a bad inventory, a failed build). */
  error?: { message: string; category: ErrorCategory; hint?: string };
}
