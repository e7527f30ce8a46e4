/**
 * Renders the build events: at a TTY an in-place progress bar
 * (`Building [=====>    ] 45/120 (37%) 12.3s`), otherwise plain progress lines at most
 * every 10%, and with `--verbose` cargo's own output line by line instead of either.
 */

import type { RunEvent } from "../engine/events.ts";

/** Options of {@linkcode buildRenderer}. */
export interface BuildRendererOptions {
  /** Draw the bar in place (`\r` and an ANSI clear-line); else print plain lines. */
  tty: boolean;
  /** Stream every `build-output` line instead of showing progress. */
  verbose: boolean;
  /** Where the text goes. */
  write: (text: string) => void;
  /** Clock in milliseconds, for the elapsed time of the bar. @default performance.now */
  now?: () => number;
  /** Width of the bar between the brackets. @default 30 */
  barWidth?: number;
}

const CLEAR_LINE = "\r\x1b[2K";
const MAX_LINE = 79;

/**
 * Returns a listener that renders `build-*` events and ignores every other event.
 *
 * @example
 * ```ts
 * import { buildRenderer } from "./build_progress.ts";
 * let out = "";
 * const render = buildRenderer({ tty: false, verbose: false, write: (s) => out += s });
 * render({ type: "build-start", total: 2 });
 * render({ type: "build-progress", current: 1, total: 2, unit: "common" });
 * // out === "Building: 0/2 (0%)\nBuilding: 1/2 (50%) Compiling common\n"
 * ```
 */
export function buildRenderer(options: BuildRendererOptions): (event: RunEvent) => void {
  const { tty, verbose, write } = options;
  const now = options.now ?? (() => performance.now());
  const width = options.barWidth ?? 30;
  let started = 0;
  let total = 0;
  let current = 0;
  let unit = "";
  let printedStep = 0;

  const counts = (bar: boolean) => {
    if (total === 0) return `${current} compiled`;
    return `${bar ? progressBar(current, total, width) + " " : ""}${current}/${total} (${
      percent(current, total)
    }%)`;
  };
  const drawBar = () => {
    const line = `Building ${counts(true)} ${formatElapsed(now() - started)}`;
    const room = MAX_LINE - line.length - 1;
    write(CLEAR_LINE + line + (unit && room > 3 ? " " + _fit(unit, room) : ""));
  };
  // Plain lines: one per 10% (so every package when there are at most ten), or one per ten
  // packages when the total is unknown.
  const printLine = () => {
    const step = total > 0 ? Math.floor(percent(current, total) / 10) : Math.floor(current / 10);
    if (step <= printedStep) return;
    printedStep = step;
    write(`Building: ${counts(false)} Compiling ${unit}\n`);
  };

  return (event) => {
    switch (event.type) {
      case "build-start":
        started = now();
        total = event.total;
        current = 0;
        unit = "";
        printedStep = 0;
        if (verbose) write(total > 0 ? `Building (${total} packages)\n` : "Building\n");
        else if (tty) drawBar();
        else write(`Building: ${total > 0 ? counts(false) : "started"}\n`);
        return;
      case "build-progress":
        current = event.current;
        total = event.total > 0 ? Math.max(event.total, event.current) : 0;
        unit = event.unit;
        if (verbose) return;
        if (tty) drawBar();
        else printLine();
        return;
      case "build-output":
        if (verbose) write(event.line + "\n");
        return;
      case "build-end": {
        const elapsed = formatElapsed(event.durationMs);
        if (event.ok && total > 0) current = total;
        if (verbose) {
          write(event.ok ? `Build finished in ${elapsed} ✓\n` : `Build failed after ${elapsed} ✗\n`);
        } else if (tty) {
          write(`${CLEAR_LINE}Building ${counts(true)} ${event.ok ? "✓" : "✗ failed after"} ${elapsed}\n`);
        } else {
          write(
            event.ok
              ? `Building: done, ${counts(false)} in ${elapsed}\n`
              : `Building: failed at ${counts(false)} after ${elapsed}\n`,
          );
        }
        return;
      }
    }
  };
}

/**
 * The bar between brackets: `=` for what is done, `>` at the head, spaces for the rest.
 *
 * @example
 * ```ts
 * import { progressBar } from "./build_progress.ts";
 * progressBar(45, 120, 10); // => "[===>      ]"
 * ```
 */
export function progressBar(current: number, total: number, width: number): string {
  const done = total > 0 ? Math.min(width, Math.floor((width * current) / total)) : 0;
  if (done >= width) return `[${"=".repeat(width)}]`;
  return `[${"=".repeat(done)}>${" ".repeat(width - done - 1)}]`;
}

/**
 * Elapsed time as people read it: `12.3s` under a minute, `3m 24s` above.
 *
 * @example
 * ```ts
 * import { formatElapsed } from "./build_progress.ts";
 * formatElapsed(204_000); // => "3m 24s"
 * ```
 */
export function formatElapsed(ms: number): string {
  if (ms < 60_000) return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
}

function percent(current: number, total: number): number {
  return total > 0 ? Math.floor((current * 100) / total) : 0;
}

function _fit(text: string, room: number): string {
  return text.length <= room ? text : text.slice(0, room - 1) + "…";
}
