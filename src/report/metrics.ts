/**
 * Prometheus metrics of a run, with prom-client: for node_exporter's textfile collector
 * (`--metrics-textfile DIR`, written atomically) and for a Pushgateway (`--metrics-push URL`,
 * job `muster`, grouped by app and command). Step states follow seed 003: 0 pending,
 * 1 in progress, 2 completed, 3 failed. prom-client is loaded only when metrics are asked for.
 */
import { dirname, join } from "node:path";
import { ERROR_CATEGORIES } from "../engine/errors.ts";
import type { Registry } from "prom-client";
import type { RunEvent } from "../engine/events.ts";
import type { HostResult, RunReport, StepResult } from "../engine/result.ts";

/** What the metrics are made of. */
export interface MetricsInput {
  report: RunReport;
  /** The app the run was about. */
  app: string;
  /** When each host last succeeded (this run included), in seconds since the epoch. */
  lastSuccess?: Map<string, number>;
  /** When the run ended. @default now */
  endedAt?: Date;
}

const HOST_STATUSES: HostResult["status"][] = ["ok", "changed", "failed", "skipped", "unreachable"];

/** A step's state as seed 003 counts it: 0 pending, 1 in progress, 2 completed, 3 failed. */
export function stepState(status: StepResult["status"] | "running"): 0 | 1 | 2 | 3 {
  if (status === "running") return 1;
  if (status === "failed") return 3;
  return status === "ok" || status === "changed" ? 2 : 0;
}

/**
 * The metrics in Prometheus' text format. With `labels` (the textfile), every series also
 * carries them; a Pushgateway adds its grouping labels itself.
 */
export async function renderMetrics(
  input: MetricsInput,
  labels: Record<string, string> = {},
): Promise<string> {
  return await (await buildRegistry(input, labels)).metrics();
}

async function buildRegistry(input: MetricsInput, labels: Record<string, string>): Promise<Registry> {
  const { default: client } = await import("prom-client");
  const registry = new client.Registry();
  registry.setDefaultLabels(labels);
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new client.Gauge({ name, help, labelNames, registers: [registry] });
  const { report } = input;
  const ended = (input.endedAt ?? new Date()).getTime() / 1000;

  gauge("muster_run_in_progress", "1 while a run goes").set(0);
  gauge("muster_run_duration_seconds", "How long the last run took").set(report.durationMs / 1000);
  gauge("muster_run_exit_code", "Exit code of the last run").set(report.exitCode);
  gauge("muster_run_success", "1 when the last run succeeded on every host, else 0")
    .set(report.exitCode === 0 ? 1 : 0);
  gauge("muster_run_timestamp_seconds", "When the last run ended").set(ended);
  gauge("muster_run_dry_run", "1 when the last run was a dry run").set(report.dryRun ? 1 : 0);
  const hostsBy = gauge("muster_run_hosts", "Hosts of the last run, by outcome", ["status"]);
  for (const status of HOST_STATUSES) hostsBy.set({ status }, report.summary[status]);
  const failures = gauge(
    "muster_run_failures",
    "Failures of the last run (hosts, or the run itself), by category",
    [
      "category",
    ],
  );
  for (const category of ERROR_CATEGORIES) {
    const hosts = report.hosts.filter((host) =>
      host.category === category &&
      (host.status === "failed" || host.status === "unreachable" || host.status === "skipped")
    ).length;
    failures.set({ category }, hosts + (report.error?.category === category ? 1 : 0));
  }

  const hostStatus = gauge("muster_host_status", "1 for the outcome of the host in the last run", [
    "host",
    "status",
  ]);
  const hostExit = gauge("muster_host_exit_code", "Exit code of the host in the last run", ["host"]);
  const hostDuration = gauge("muster_host_duration_seconds", "How long the host took in the last run", [
    "host",
  ]);
  const hostFailure = gauge("muster_host_failure", "1 when the host failed in the last run, by category", [
    "host",
    "category",
  ]);
  const lastSuccess = gauge(
    "muster_host_last_success_timestamp_seconds",
    "When the host last succeeded (ok or changed)",
    ["host"],
  );
  const stepStateGauge = gauge(
    "muster_step_state",
    "State of a step of the host: 0 pending, 1 in progress, 2 completed, 3 failed",
    ["host", "role", "step"],
  );
  const stepDuration = gauge("muster_step_duration_seconds", "How long the step took on the host", [
    "host",
    "role",
    "step",
  ]);
  for (const host of report.hosts) {
    for (const status of HOST_STATUSES) {
      hostStatus.set({ host: host.name, status }, host.status === status ? 1 : 0);
    }
    hostExit.set({ host: host.name }, host.exitCode);
    hostDuration.set({ host: host.name }, host.durationMs / 1000);
    if (host.category) hostFailure.set({ host: host.name, category: host.category }, 1);
    const success = host.status === "ok" || host.status === "changed"
      ? ended
      : input.lastSuccess?.get(host.name);
    if (success !== undefined) lastSuccess.set({ host: host.name }, success);
    for (const step of host.steps) {
      const labels = { host: host.name, role: step.role, step: step.step };
      stepStateGauge.set(labels, stepState(step.status));
      stepDuration.set(labels, step.durationMs / 1000);
    }
  }
  return registry;
}

/** The textfile's name for an app and command: one file each, so runs of others are kept. */
export function textfileName(app: string, command: string): string {
  const safe = (text: string) => text.replace(/[^A-Za-z0-9_-]/g, "_");
  return `muster_${safe(app)}_${safe(command)}.prom`;
}

/**
 * Writes the metrics for node_exporter's textfile collector into `dir`, atomically: a temp
 * file (not ending in `.prom`, so the collector never reads it half-written), then a rename.
 * Returns the file's path.
 */
export async function writeTextfile(dir: string, input: MetricsInput): Promise<string> {
  const text = await renderMetrics(input, { app: input.app, command: input.report.command });
  return await writeAtomically(join(dir, textfileName(input.app, input.report.command)), text);
}

/** Writes `text` to `path` through a temp file beside it (not ending in `.prom`) and a rename. */
export async function writeAtomically(path: string, text: string): Promise<string> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${Deno.pid}.tmp`;
  try {
    await Deno.writeTextFile(temp, text);
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
  return path;
}

/**
 * Pushes the metrics to a Pushgateway at `url` with prom-client's client: job `muster`,
 * grouped by app and command, replacing that group's previous metrics (HTTP PUT).
 */
export async function pushMetrics(url: string, input: MetricsInput): Promise<void> {
  await pushRegistry(url, { app: input.app, command: input.report.command }, await buildRegistry(input, {}));
}

/** Pushes a registry's metrics to the group job `muster`, `app`, `command` (HTTP PUT). */
export async function pushRegistry(
  url: string,
  group: { app: string; command: string },
  registry: Registry,
): Promise<void> {
  const { default: client } = await import("prom-client");
  const gateway = new client.Pushgateway(url.replace(/\/+$/, ""), { timeout: 10_000 }, registry);
  // prom-client rejects an HTTP error itself ("push failed with status 400, ...").
  const pushed = await gateway.push({ jobName: "muster", groupings: group }).catch((error: Error) => {
    throw new Error(`Pushgateway ${url}: ${error.message}`);
  }) as { resp?: { statusCode?: number } };
  const status = pushed.resp?.statusCode ?? 200;
  if (status < 200 || status >= 300) throw new Error(`Pushgateway ${url}: HTTP ${status}`);
}

/**
 * Step states while the run goes, from its events: every planned step is 0 (pending), a
 * step the apply script started is 1 (in progress), then 2 (completed) or 3 (failed), as
 * seed 003 counts them. `--metrics-textfile` and `--metrics-push` show them during the run;
 * the full metrics replace them at its end.
 */
export class LiveStepStates {
  readonly #states = new Map<string, Map<number, { role: string; step: string; state: number }>>();

  /** Takes an event; returns whether a state changed. */
  onEvent(event: RunEvent): boolean {
    if (event.type === "host-plan") {
      this.#states.set(
        event.host,
        new Map(event.steps.map((step, index) => [index, { role: step.role, step: step.step, state: 0 }])),
      );
      return true;
    }
    if (event.type !== "step-start" && event.type !== "step-end") return false;
    const steps = this.#states.get(event.host) ?? new Map();
    this.#states.set(event.host, steps);
    const state = event.type === "step-start" ? 1 : stepState(event.status);
    if (steps.get(event.index)?.state === state) return false;
    steps.set(event.index, { role: event.role, step: event.step, state });
    return true;
  }

  /** The states in Prometheus' text format, with `muster_run_in_progress 1`. */
  async render(labels: Record<string, string> = {}): Promise<string> {
    return await (await this.registry(labels)).metrics();
  }

  async registry(labels: Record<string, string> = {}): Promise<Registry> {
    const { default: client } = await import("prom-client");
    const registry = new client.Registry();
    registry.setDefaultLabels(labels);
    new client.Gauge({ name: "muster_run_in_progress", help: "1 while a run goes", registers: [registry] })
      .set(1);
    const gauge = new client.Gauge({
      name: "muster_step_state",
      help: "State of a step of the host: 0 pending, 1 in progress, 2 completed, 3 failed",
      labelNames: ["host", "role", "step"],
      registers: [registry],
    });
    for (const [host, steps] of this.#states) {
      for (const { role, step, state } of steps.values()) gauge.set({ host, role, step }, state);
    }
    return registry;
  }
}
