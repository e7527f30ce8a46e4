import type { RunEvent } from "../engine/events.ts";
import { MusterError } from "../engine/errors.ts";
import type { RunReport } from "../engine/result.ts";
import { buildRenderer } from "../report/build_progress.ts";
import { renderPlan } from "../report/plan.ts";
import { hostProgress } from "../report/progress.ts";
import { renderRecap } from "../report/recap.ts";
import { makeStyle, type Style } from "../report/style.ts";
import type { CommonFlags } from "./common.ts";
import { type Io, useColor } from "./io.ts";

/** What a command adds to the end of its run's text output. */
export interface FinishOptions {
  /** Print the plan before the recap (dry runs). */
  plan?: boolean;
  /** Text after the recap, such as install's summary. */
  epilogue?: (report: RunReport, style: Style) => string | Promise<string>;
}

/** The renderers of one run, listening to its events. */
export interface Output {
  style: Style;
  emit(event: RunEvent): void;
  /** Prints the plan (dry run), the recap or the JSON report, writes `--report`; returns the exit code. */
  finish(report: RunReport, options?: FinishOptions): Promise<number>;
  /** Prints an error that ended the run before any host result, and returns its exit code. */
  fail(error: unknown): number;
  stop(): void;
}

/** Wires progress, plan, recap and report for a command. */
export function makeOutput(io: Io, flags: CommonFlags): Output {
  const style = makeStyle(useColor(io, flags.color));
  const json = flags.format === "json";
  const progress = hostProgress({ tty: io.stderrTty && !json, write: io.err, style });
  const build = buildRenderer({ tty: io.stderrTty, verbose: flags.verbose, write: io.err });
  const quiet = json && !flags.verbose;
  return {
    style,
    emit(event) {
      if (event.type.startsWith("build-")) build(event);
      else if (event.type === "host-output") {
        // As a message (`[host] line`): at a terminal it goes above the live lines.
        if (flags.verbose) {
          progress.onEvent({ type: "message", level: "info", text: event.line, host: event.host });
        }
      } else if (!quiet || event.type === "message") progress.onEvent(event);
    },
    async finish(report, options = {}) {
      progress.stop();
      if (flags.report) await Deno.writeTextFile(flags.report, JSON.stringify(report, null, 2) + "\n");
      if (json) {
        io.out(JSON.stringify(report, null, 2) + "\n");
      } else {
        if (options.plan) io.out(renderPlan(report.hosts, style) + "\n\n");
        io.out(renderRecap(report, style) + "\n");
        const epilogue = await options.epilogue?.(report, style);
        if (epilogue) io.out("\n" + epilogue + "\n");
      }
      return report.exitCode;
    },
    fail(error) {
      progress.stop();
      if (!(error instanceof MusterError)) throw error;
      io.err(`${style.red("error:")} ${error.message}\n`);
      if (error.hint) io.err(`hint: ${error.hint}\n`);
      return error.exitCode;
    },
    stop() {
      progress.stop();
    },
  };
}
