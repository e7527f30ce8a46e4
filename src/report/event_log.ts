/**
 * The event stream of `--events FILE|-`: one JSON object per line, written as the run goes.
 * Every event has `v` (the schema version), `ts` (ISO time), `run` (the run id), `host`
 * (null for the run's own events) and `type`; the schema is `event_schema.ts` and the README's
 * "Watching a run".
 */
import type { RunEvent } from "../engine/events.ts";
import type { RunReport } from "../engine/result.ts";

/** Version of the event schema; a change that breaks a consumer bumps it. */
export const EVENT_SCHEMA_VERSION = 1;

/** What `run.started` says. */
export interface RunStart {
  command: string;
  dryRun: boolean;
  argv: string[];
  /** The app, when the command has one (`--app`). */
  app?: string;
}

/** Writes run events as JSON Lines through `write` (one call per line). */
export class EventLog {
  readonly #write: (line: string) => void;
  readonly #run: string;
  readonly #now: () => Date;

  constructor(write: (line: string) => void, runId: string, now: () => Date = () => new Date()) {
    this.#write = write;
    this.#run = runId;
    this.#now = now;
  }

  #emit(type: string, host: string | null, fields: Record<string, unknown>): void {
    const event = {
      v: EVENT_SCHEMA_VERSION,
      ts: this.#now().toISOString(),
      run: this.#run,
      host,
      type,
      ...fields,
    };
    this.#write(JSON.stringify(event) + "\n");
  }

  started(start: RunStart): void {
    this.#emit("run.started", null, { ...start });
  }

  /** Translates an engine event; `build-output` is left out (it is the build log's). */
  onEvent(event: RunEvent): void {
    switch (event.type) {
      case "host-start":
        return this.#emit("host.started", event.host, {});
      case "host-phase":
        return this.#emit("host.phase", event.host, {
          phase: event.phase,
          ...(event.role ? { role: event.role, step: event.step } : {}),
        });
      case "host-plan":
        return this.#emit("host.planned", event.host, { steps: event.steps });
      case "step-start":
        return this.#emit("step.started", event.host, {
          index: event.index,
          total: event.total,
          role: event.role,
          step: event.step,
        });
      case "step-end": {
        const { type: _, host, ...fields } = event;
        return this.#emit("step.finished", host, fields);
      }
      case "host-output":
        return this.#emit("host.output", event.host, { line: event.line });
      case "host-end": {
        const { name, status, exitCode, durationMs, error, category, hint } = event.result;
        return this.#emit("host.finished", name, {
          status,
          exitCode,
          durationMs,
          ...(error ? { error } : {}),
          ...(category ? { category } : {}),
          ...(hint ? { hint } : {}),
        });
      }
      case "build-start":
        return this.#emit("build.started", null, { total: event.total });
      case "build-progress":
        return this.#emit("build.progress", null, {
          current: event.current,
          total: event.total,
          unit: event.unit,
        });
      case "build-end":
        return this.#emit("build.finished", null, { ok: event.ok, durationMs: event.durationMs });
      case "message":
        return this.#emit("message", event.host ?? null, { level: event.level, text: event.text });
    }
  }

  finished(report: RunReport): void {
    this.#emit("run.finished", null, {
      command: report.command,
      exitCode: report.exitCode,
      durationMs: report.durationMs,
      summary: report.summary,
      ...(report.error ? { error: report.error } : {}),
    });
  }
}
