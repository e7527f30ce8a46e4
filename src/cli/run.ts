import { basename, join } from "node:path";
import type { CommonOptions } from "../commands/options.ts";
import { loadAnsibleConfig } from "../config/ansible_cfg.ts";
import { MusterError, UsageError } from "../engine/errors.ts";
import type { RunReport } from "../engine/result.ts";
import { parseExtraVars } from "../inventory/extra_vars.ts";
import { readVault } from "../inventory/vault.ts";
import { EventLog } from "../report/event_log.ts";
import { renderHtml } from "../report/html.ts";
import {
  appendJournal,
  journalPath,
  JournalRecorder,
  lastSuccessTimes,
  reportsDir,
} from "../report/journal.ts";
import {
  LiveStepStates,
  pushMetrics,
  pushRegistry,
  textfileName,
  writeAtomically,
  writeTextfile,
} from "../report/metrics.ts";
import { failedReport } from "../report/report.ts";
import type { CommonFlags } from "./common.ts";
import type { Io } from "./io.ts";
import { type FinishOptions, makeOutput } from "./output.ts";

/** What a command's action gets: the common options as the library takes them. */
export interface CommandContext {
  common: CommonOptions;
}

/** The exit code of the last command run (the CLI entry exits with it). */
export const exitState = { code: 0 };

/** The command line being run, as the journal records it. */
export const invocation = { argv: [] as string[] };

/** HTML reports kept beside the journal; older ones are removed. */
const KEPT_REPORTS = 100;

/** How often, at most, the metrics show the step states while the run goes. */
const LIVE_METRICS_MS = 2000;

/**
 * Runs a command's library function with the common options wired: extra vars, Ctrl-C
 * (the first stops new hosts from starting, the second exits), progress, recap and report,
 * and what watches a run: `--events`, the metrics, the HTML reports. A run that ends before
 * any host result (a bad inventory, a failed build) still gets its report, events, metrics
 * and HTML, with the error's category.
 */
export async function runCommand(
  io: Io,
  flags: CommonFlags,
  run: (context: CommandContext) => Promise<RunReport>,
  options: FinishOptions = {},
): Promise<void> {
  const runId = crypto.randomUUID();
  const startedAt = new Date();
  const command = invocation.argv.find((arg) => !arg.startsWith("-")) ?? "muster";
  const dryRun = (flags as { dryRun?: boolean }).dryRun ?? false;
  // With `--events -` the events own stdout: everything else the command prints moves to stderr.
  const stdout = io.out;
  if (flags.events === "-") io.out = io.err;
  const output = makeOutput(io, flags);
  const journal = new JournalRecorder();
  let events: ReturnType<typeof openEvents> | undefined;
  const warn = (what: string) => (error: Error) => io.err(`warning: cannot ${what}: ${error.message}\n`);
  const live = liveMetrics(flags, command, warn);
  const controller = new AbortController();
  let interrupts = 0;
  const onInterrupt = () => {
    if (++interrupts > 1) Deno.exit(130);
    controller.abort();
    io.err(
      "\nInterrupted: no new host will start; waiting for running commands (Ctrl-C again to exit now)\n",
    );
  };
  try {
    Deno.addSignalListener("SIGINT", onInterrupt);
  } catch { /* not a process that can listen (tests) */ }
  try {
    // ansible.cfg's settings are defaults: the command line and the inventory win.
    const config = await loadAnsibleConfig({ env: { get: (key) => io.env(key) } });
    const vault = await readVault({
      ids: flags.vaultId,
      passwordFiles: flags.vaultPasswordFile.length || !config.vaultPasswordFile
        ? flags.vaultPasswordFile
        : [config.vaultPasswordFile],
      env: { get: io.env },
    });
    events = flags.events === undefined ? undefined : openEvents(flags.events, stdout, runId);
    events?.log.started({ command, dryRun, argv: invocation.argv, ...(flags.app ? { app: flags.app } : {}) });
    const common: CommonOptions & { streamOutput?: boolean } = {
      app: flags.app,
      vault,
      inventory: flags.inventory.length ? flags.inventory : config.inventory ?? [],
      limit: flags.limit,
      forks: flags.forks ?? config.forks ?? 50,
      serial: flags.serial,
      maxFailPercent: flags.maxFailPercent,
      extraVars: await parseExtraVars(flags.extraVars, { vault }),
      hostKeyChecking: flags.hostKeyChecking ?? (config.hostKeyChecking === false ? "off" : "accept-new"),
      connectTimeoutMs: config.timeout ? config.timeout * 1000 : undefined,
      connectionDefaults: config.connection,
      hostTimeoutMs: flags.timeout ? flags.timeout * 1000 : undefined,
      argv: invocation.argv,
      signal: controller.signal,
      streamOutput: flags.verbose,
      emit: (event) => {
        journal.onEvent(event);
        events?.log.onEvent(event);
        live?.onEvent(event);
        output.emit(event);
      },
    };
    let report: RunReport;
    try {
      report = await run({ common });
    } catch (error) {
      if (!(error instanceof MusterError)) throw error;
      const failed = failedReport(command, { startedAt, runId }, error);
      if (flags.report) await writeReport(flags.report, failed);
      await live?.close(appOfRun(failed, flags));
      await watchers(io, flags, failed, events?.log);
      throw error;
    }
    report.runId ??= runId;
    if (controller.signal.aborted) report.exitCode = Math.max(report.exitCode, 130);
    exitState.code = await output.finish(report, options);
    await live?.close(appOfRun(report, flags));
    const html = await watchers(io, flags, report, events?.log);
    await appendJournal(
      journalPath({ get: io.env }),
      journal.entry(report, invocation.argv, Deno.cwd(), { app: appOfRun(report, flags), html }),
    ).catch((error) => io.err(`warning: cannot write the run journal: ${error.message}\n`));
  } catch (error) {
    exitState.code = output.fail(error);
  } finally {
    await live?.close();
    events?.close();
    io.out = stdout;
    try {
      Deno.removeSignalListener("SIGINT", onInterrupt);
    } catch { /* see above */ }
  }
}

/** The app a run was about: what the hosts installed, else `--app`, else Flame. */
function appOfRun(report: RunReport, flags: CommonFlags): string {
  return report.hosts.find((host) => host.installed)?.installed?.app ?? flags.app ?? "flame";
}

async function writeReport(path: string, report: RunReport): Promise<void> {
  await Deno.writeTextFile(path, JSON.stringify(report, null, 2) + "\n");
}

/** The event log of `--events`: a file written line by line, or stdout. */
function openEvents(target: string, stdout: (text: string) => void, runId: string) {
  if (target === "-") return { log: new EventLog(stdout, runId), close() {} };
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(target, { write: true, create: true, truncate: true });
  } catch (error) {
    throw new UsageError(`Cannot write events to ${target}: ${(error as Error).message}`);
  }
  const encoder = new TextEncoder();
  return {
    log: new EventLog((line) => {
      const bytes = encoder.encode(line);
      let written = 0;
      while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
    }, runId),
    close: () => file.close(),
  };
}

/**
 * Tells the watchers that the run ended: the last event, the HTML reports (`--html` and the
 * one kept beside the journal, whose path it returns) and the metrics. A watcher that fails
 * is a warning, never the run's failure.
 */
async function watchers(io: Io, flags: CommonFlags, report: RunReport, events?: EventLog) {
  const warn = (what: string) => (error: Error) => io.err(`warning: cannot ${what}: ${error.message}\n`);
  events?.finished(report);
  const app = appOfRun(report, flags);
  const html = renderHtml(report, { app });
  if (flags.html) await Deno.writeTextFile(flags.html, html).catch(warn(`write ${flags.html}`));
  const kept = await keepHtml(io, report, html).catch(warn("keep the HTML report"));
  if (flags.metricsTextfile || flags.metricsPush) {
    const lastSuccess = await lastSuccessTimes(journalPath({ get: io.env }), report.command, app)
      .catch(() => new Map<string, number>());
    const input = { report, app, lastSuccess };
    if (flags.metricsTextfile) {
      await writeTextfile(flags.metricsTextfile, input).catch(
        warn(`write metrics to ${flags.metricsTextfile}`),
      );
    }
    if (flags.metricsPush) await pushMetrics(flags.metricsPush, input).catch(warn(`push metrics`));
  }
  return kept || undefined;
}

/** Writes the run's HTML beside the journal, keeping the newest reports only; returns its path. */
async function keepHtml(io: Io, report: RunReport, html: string): Promise<string> {
  const dir = reportsDir({ get: io.env });
  await Deno.mkdir(dir, { recursive: true });
  const stamp = report.startedAt.replace(/[-:]/g, "");
  const path = join(dir, `${stamp}-${report.command}-${(report.runId ?? "").slice(0, 8)}.html`);
  await Deno.writeTextFile(path, html);
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) if (entry.name.endsWith(".html")) names.push(entry.name);
  names.sort();
  for (const old of names.slice(0, Math.max(0, names.length - KEPT_REPORTS))) {
    await Deno.remove(join(dir, old)).catch(() => {});
  }
  return path;
}

/**
 * The step states in the metrics while the run goes (`--metrics-textfile`, `--metrics-push`),
 * written at most every LIVE_METRICS_MS; `close()` waits for a write in flight, and removes
 * a live textfile that the final one (named by the app the run found) does not replace.
 */
function liveMetrics(flags: CommonFlags, command: string, warn: (what: string) => (error: Error) => void) {
  if (!flags.metricsTextfile && !flags.metricsPush) return undefined;
  const app = flags.app?.includes("/") ? basename(flags.app) : flags.app ?? "flame";
  const states = new LiveStepStates();
  const textfile = flags.metricsTextfile
    ? join(flags.metricsTextfile, textfileName(app, command))
    : undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing = Promise.resolve();
  let written = false;
  let closed = false;
  const write = async () => {
    timer = undefined;
    if (closed) return;
    if (textfile) {
      await writeAtomically(textfile, await states.render({ app, command })).catch(warn(`write ${textfile}`));
      written = true;
    }
    if (flags.metricsPush) {
      await pushRegistry(flags.metricsPush, { app, command }, await states.registry()).catch(
        warn("push metrics"),
      );
    }
  };
  return {
    onEvent(event: Parameters<LiveStepStates["onEvent"]>[0]) {
      if (!states.onEvent(event) || timer !== undefined || closed) return;
      timer = setTimeout(() => {
        writing = writing.then(write);
      }, LIVE_METRICS_MS);
    },
    async close(finalApp?: string) {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      await writing;
      if (finalApp !== undefined && finalApp !== app && written && textfile) {
        await Deno.remove(textfile).catch(() => {});
      }
    },
  };
}
