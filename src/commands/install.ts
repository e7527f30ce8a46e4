import { prepareArtifacts } from "../../roles/build/mod.ts";
import { cleanFinishStep, cleanStep, installSteps } from "../../roles/install/mod.ts";
import { servicesStep, unitsStep } from "../../roles/systemd/mod.ts";
import { userStep } from "../../roles/user/mod.ts";
import type { RunEvent } from "../engine/events.ts";
import type { PreparedHost } from "../engine/host.ts";
import type { RunReport } from "../engine/result.ts";
import { runJobs } from "../engine/run.ts";
import type { Step } from "../engine/step.ts";
import type { Artifacts } from "../flame/artifacts.ts";
import { binariesFor, needsSdk } from "../flame/components.ts";
import { type FlameSpec, stampOf } from "../flame/spec.ts";
import { buildReport } from "../report/report.ts";
import { connectorFor } from "./connect.ts";
import type { CommonOptions } from "./options.ts";
import { flameSpec, loadTargets, type SpecFlags } from "./targets.ts";

/** Where the Flame source comes from when `--src-dir` is not given. */
export const DEFAULT_SRC_REPO = "https://github.com/xflops-io/flame.git";

/** Options of `install` (and of `status`, which plans the same install). */
export interface InstallOptions extends CommonOptions, SpecFlags {
  srcDir?: string;
  /** @default DEFAULT_SRC_REPO */
  srcRepo?: string;
  /** @default "main" */
  srcRef?: string;
  skipBuild?: boolean;
  dryRun?: boolean;
  /**
   * Converge drift: like install, and a configuration that differs from the one the
   * inventory describes is rewritten instead of kept. Hosts already in sync are not touched.
   * @default false
   */
  repair?: boolean;
  verbose?: boolean;
  /** Where build logs go. */
  logDir?: string;
}

/**
 * The steps of `install` on one host, in order. With `repair` (and for `status`) the
 * configuration is managed: one that differs from the inventory's is rewritten.
 */
export function installPlaybook(
  spec: FlameSpec,
  artifacts: Artifacts,
  options: { repair?: boolean } = {},
): Step[] {
  return [
    cleanStep(spec),
    userStep(spec),
    ...installSteps(spec, artifacts, { managed: options.repair }),
    unitsStep(spec),
    servicesStep(spec),
    cleanFinishStep(spec),
  ];
}

/**
 * `muster install`: builds Flame once on this machine, then brings every selected host to
 * the wanted state concurrently; with `dryRun`, only plans. Returns the run report.
 */
export async function install(options: InstallOptions, command = "install"): Promise<RunReport> {
  const startedAt = new Date();
  const emit = options.emit ?? ((_: RunEvent) => {});
  const { inventory, targets } = await loadTargets(options);
  const stamp = stampOf(startedAt);
  const specs = targets.map((target) => flameSpec(inventory, target, options, { stamp }));
  const artifacts = await prepareArtifacts({
    srcDir: options.srcDir,
    srcRepo: options.srcRepo ?? DEFAULT_SRC_REPO,
    srcRef: options.srcRef ?? "main",
    skipBuild: options.skipBuild ?? false,
    verbose: options.verbose ?? false,
    dryRun: options.dryRun ?? false,
    binaries: [...new Set(specs.flatMap((spec) => binariesFor(spec.profiles)))],
    sdk: specs.some((spec) => needsSdk(spec.profiles)),
    logDir: options.logDir,
    emit,
    signal: options.signal,
  });
  try {
    const jobs = targets.map((target, i) => ({
      connection: target.connection,
      steps: installPlaybook(specs[i], artifacts, { repair: options.repair }),
    }));
    const outcome = await runJobs(jobs, {
      ...options,
      dryRun: options.dryRun ?? false,
      emit,
      unreachableExitCode: 3,
      connect: connectorFor(options),
    });
    const hosts = outcome.results.map((result, i) => {
      const { prefix, profiles, systemd, enable } = specs[i];
      return { ...result, installed: { prefix, profiles, systemd, enable } };
    });
    return buildReport(command, { dryRun: options.dryRun ?? false, startedAt }, hosts);
  } finally {
    await artifacts.cleanup();
  }
}

export type { PreparedHost };
