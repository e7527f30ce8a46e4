import type { ErrorCategory } from "./errors.ts";
import type { HostResult, StepResult } from "./result.ts";

/** What the engine tells its listeners while it runs; it never prints itself. */
export type RunEvent =
  | { type: "host-start"; host: string }
  | { type: "host-phase"; host: string; phase: string; role?: string; step?: string }
  /** The host is planned: its steps in order, with how many changes each would make. */
  | { type: "host-plan"; host: string; steps: { role: string; step: string; changes: number }[] }
  /** A step of the apply script started on the host (`index` of `total`, the host's steps). */
  | { type: "step-start"; host: string; index: number; total: number; role: string; step: string }
  /** A step ended, timed by the host's own clock. */
  | {
    type: "step-end";
    host: string;
    index: number;
    role: string;
    step: string;
    status: StepResult["status"];
    durationMs: number;
    error?: string;
    category?: ErrorCategory;
  }
  /** A line the apply script wrote (markers left out), for `--verbose`. */
  | { type: "host-output"; host: string; stream: "stdout" | "stderr"; line: string }
  | { type: "host-end"; result: HostResult }
  | { type: "build-start"; total: number }
  | { type: "build-progress"; current: number; total: number; unit: string }
  | { type: "build-output"; line: string }
  | { type: "build-end"; ok: boolean; durationMs: number }
  | { type: "message"; level: "info" | "warn"; text: string; host?: string };

/** A listener of run events. */
export type Emit = (event: RunEvent) => void;
