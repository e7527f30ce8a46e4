import type { RunEvent } from "../engine/events.ts";
import { duration, type Style } from "./style.ts";

/** Where progress goes and how. */
export interface ProgressOptions {
  /** Redraw one line per host in place (a TTY); else one plain line per event. */
  tty: boolean;
  write(text: string): void;
  style: Style;
  /** Lines available for live host lines at a TTY. @default 20 */
  rows?: number;
  now?: () => number;
}

/**
 * Live per-host progress. At a TTY: one line per running host with its current role,
 * step and elapsed time, redrawn in place. Otherwise: one line per event, prefixed with
 * the host name.
 */
export function hostProgress(options: ProgressOptions): { onEvent(event: RunEvent): void; stop(): void } {
  const now = options.now ?? (() => performance.now());
  const running = new Map<string, { phase: string; started: number }>();
  let drawn = 0;
  const draw = () => {
    let text = drawn > 0 ? `\x1b[${drawn}A` : "";
    const lines = [...running].slice(0, options.rows ?? 20).map(([host, state]) =>
      `${options.style.bold(host)}  ${state.phase}  ${options.style.dim(duration(now() - state.started))}`
    );
    for (const line of lines) text += `\r\x1b[2K${line}\n`;
    for (let i = lines.length; i < drawn; i++) text += "\r\x1b[2K\n";
    if (drawn > lines.length) text += `\x1b[${drawn - lines.length}A`;
    drawn = lines.length;
    options.write(text);
  };
  const timer = options.tty ? setInterval(() => running.size && draw(), 250) : undefined;
  return {
    onEvent(event) {
      if (event.type === "host-start") {
        running.set(event.host, { phase: "starting", started: now() });
        if (!options.tty) options.write(`[${event.host}] start\n`);
      } else if (event.type === "host-phase") {
        const state = running.get(event.host);
        const phase = event.role ? `${event.phase} ${event.role}/${event.step}` : event.phase;
        if (state) state.phase = phase;
        if (!options.tty) options.write(`[${event.host}] ${phase}\n`);
      } else if (event.type === "host-end") {
        const { name, status, durationMs } = event.result;
        running.delete(name);
        if (!options.tty) options.write(`[${name}] ${status} (${duration(durationMs)})\n`);
      } else if (event.type === "message") {
        const prefix = event.host ? `[${event.host}] ` : "";
        options.write(
          `${options.tty ? "\r\x1b[2K" : ""}${prefix}${
            event.level === "warn" ? "warning: " : ""
          }${event.text}\n`,
        );
      } else return;
      if (options.tty) draw();
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      if (options.tty && drawn) {
        running.clear();
        draw();
      }
    },
  };
}
