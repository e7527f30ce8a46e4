/**
 * The run journal: every run appends one JSON line with each host's outcome and when it
 * started and ended, in `$XDG_STATE_HOME/muster/journal.jsonl`. `--resume` reads the last
 * line to rerun the hosts that failed or were unreachable.
 */
import { dirname, join } from "node:path";
import type { RunEvent } from "../engine/events.ts";
import type { RunReport } from "../engine/result.ts";

/** One host in a journal entry. */
export interface JournalHost {
  name: string;
  status: string;
  exitCode: number;
  /** ISO times; absent for hosts that never started. */
  startedAt?: string;
  endedAt?: string;
  error?: string;
  category?: string;
}

/** One run. */
export interface JournalEntry {
  /** The run's id, as its events and report carry it. */
  runId?: string;
  /** The app of the run, when the command has one. */
  app?: string;
  /** The run's HTML report. */
  html?: string;
  command: string;
  /** The command line as given, without the program name. */
  argv: string[];
  cwd: string;
  startedAt: string;
  endedAt: string;
  exitCode: number;
  dryRun: boolean;
  hosts: JournalHost[];
}

/** Where the journal lives: `$XDG_STATE_HOME/muster/journal.jsonl` (default `~/.local/state`). */
export function journalPath(env: { get(key: string): string | undefined } = Deno.env): string {
  const state = env.get("XDG_STATE_HOME") || join(env.get("HOME") ?? "/tmp", ".local", "state");
  return join(state, "muster", "journal.jsonl");
}

/** Where every run's HTML report is kept: `reports/` beside the journal. */
export function reportsDir(env: { get(key: string): string | undefined } = Deno.env): string {
  return join(dirname(journalPath(env)), "reports");
}

/**
 * When each host last succeeded (ok or changed) in the journal's real runs of `command` for
 * `app`, in seconds since the epoch.
 */
export async function lastSuccessTimes(
  path: string,
  command: string,
  app?: string,
): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return times;
    throw error;
  }
  for (const line of text.split("\n")) {
    if (!line.includes(`"command":"${command}"`)) continue;
    const entry = JSON.parse(line) as JournalEntry;
    if (entry.dryRun || entry.command !== command || (app && entry.app && entry.app !== app)) continue;
    for (const host of entry.hosts) {
      if (host.status !== "ok" && host.status !== "changed") continue;
      const at = Date.parse(host.endedAt ?? entry.endedAt) / 1000;
      if (Number.isFinite(at) && at > (times.get(host.name) ?? 0)) times.set(host.name, at);
    }
  }
  return times;
}

/** Records when each host starts and ends, from the run's events. */
export class JournalRecorder {
  readonly #times = new Map<string, { startedAt?: string; endedAt?: string }>();

  onEvent(event: RunEvent): void {
    if (event.type === "host-start") this.#times.set(event.host, { startedAt: new Date().toISOString() });
    else if (event.type === "host-end") {
      const times = this.#times.get(event.result.name) ?? {};
      times.endedAt = new Date().toISOString();
      this.#times.set(event.result.name, times);
    }
  }

  /** The journal entry of a finished run. */
  entry(
    report: RunReport,
    argv: string[],
    cwd: string,
    extra: { app?: string; html?: string } = {},
  ): JournalEntry {
    return {
      ...(report.runId ? { runId: report.runId } : {}),
      ...(extra.app ? { app: extra.app } : {}),
      ...(extra.html ? { html: extra.html } : {}),
      command: report.command,
      argv,
      cwd,
      startedAt: report.startedAt,
      endedAt: new Date().toISOString(),
      exitCode: report.exitCode,
      dryRun: report.dryRun,
      hosts: report.hosts.map((host) => ({
        name: host.name,
        status: host.status,
        exitCode: host.exitCode,
        ...this.#times.get(host.name),
        ...(host.error ? { error: host.error.split("\n")[0] } : {}),
        ...(host.category ? { category: host.category } : {}),
      })),
    };
  }
}

/** Appends an entry (one line, one write: concurrent runs do not interleave). */
export async function appendJournal(path: string, entry: JournalEntry): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  await Deno.writeTextFile(path, JSON.stringify(entry) + "\n", { append: true });
}

/** The last real (not dry) run in the journal, optionally of one command; undefined when there is none. */
export async function lastRun(path: string, command?: string): Promise<JournalEntry | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const entries = text.split("\n").filter(Boolean).map((line) => JSON.parse(line) as JournalEntry);
  return entries.filter((entry) => !entry.dryRun && (!command || entry.command === command)).at(-1);
}

/** Hosts of a run that `--resume` reruns: those that failed, were unreachable, or never started. */
export function hostsToResume(entry: JournalEntry): string[] {
  return entry.hosts
    .filter((host) =>
      host.status === "failed" || host.status === "unreachable" ||
      (host.status === "skipped" && !host.startedAt)
    )
    .map((host) => host.name);
}
