import type { ReportedChange } from "./change.ts";

/** Outcome of a step or a host. */
export type Status = "ok" | "changed" | "failed" | "skipped" | "unreachable";

/** What one step did on one host. */
export interface StepResult {
  role: string;
  step: string;
  status: Exclude<Status, "unreachable">;
  changes: ReportedChange[];
  durationMs: number;
  error?: string;
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
  /** What the user can do about the error. */
  hint?: string;
  backupDir?: string;
  /** What was installed, for the summary (install only). */
  installed?: { app: string; prefix: string; profiles: string[]; systemd: boolean; enable: boolean };
  steps: StepResult[];
}

/** The whole run, as `--report` writes it. */
export interface RunReport {
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
}
