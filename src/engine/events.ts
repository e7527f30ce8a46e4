import type { HostResult } from "./result.ts";

/** What the engine tells its listeners while it runs; it never prints itself. */
export type RunEvent =
  | { type: "host-start"; host: string }
  | { type: "host-phase"; host: string; phase: string; role?: string; step?: string }
  | { type: "host-end"; result: HostResult }
  | { type: "build-start"; total: number }
  | { type: "build-progress"; current: number; total: number; unit: string }
  | { type: "build-output"; line: string }
  | { type: "build-end"; ok: boolean; durationMs: number }
  | { type: "message"; level: "info" | "warn"; text: string; host?: string };

/** A listener of run events. */
export type Emit = (event: RunEvent) => void;
