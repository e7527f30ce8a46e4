import { prepareArtifacts } from "../../roles/build/mod.ts";
import { cleanFinishStep, cleanStep, installSteps } from "../../roles/install/mod.ts";
import { servicesStep, unitsStep } from "../../roles/systemd/mod.ts";
import { userStep } from "../../roles/user/mod.ts";
import type { ReleaseOptions } from "../../roles/release/mod.ts";
import { runLock } from "./lock.ts";
import type { RunEvent } from "../engine/events.ts";
import type { PreparedHost } from "../engine/host.ts";
import type { RunReport } from "../engine/result.ts";
import { runJobs } from "../engine/run.ts";
import type { Packing } from "../transport/packing.ts";
import type { Step } from "../engine/step.ts";
import type { App } from "../app/app.ts";
import type { Artifacts } from "../app/artifacts.ts";
import type { AppSpec, SpecFlags } from "../app/spec.ts";
import { buildReport } from "../report/report.ts";
import { connectorFor } from "./connect.ts";
import { type CommonOptions, gatedMaxFailPercent } from "./options.ts";
import { startCommand } from "./targets.ts";

/** Options of `install` (and of `status`, which plans the same install). */
export interface InstallOptions extends CommonOptions, SpecFlags {
  srcDir?: string;
  /** @default the app's `source.repo` */
  srcRepo?: string;
  /** @default the app's `source.ref`, else "main" */
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
  /** The Python that builds wheels. @default the first of python3, /usr/bin/python3, ... that can */
  python?: string;
  /** Releases kept on each host besides the current one. @default 3 */
  keepReleases?: number;
  /** How uploads may be compressed, best first; empty: never. @default zstd, then gzip */
  packings?: readonly Packing[];
}

/**
 * The steps of `install` on one host, in order. With `repair` (and for `status`) the
 * configuration is managed: one that differs from the inventory's is rewritten.
 */
export function installPlaybook(
  spec: AppSpec,
  artifacts: Artifacts,
  options: { repair?: boolean; checksum?: boolean; releases?: ReleaseOptions | false } = {},
): Step[] {
  return [
    cleanStep(spec),
    userStep(spec),
    ...installSteps(spec, artifacts, {
      managed: options.repair,
      checksum: options.checksum,
      releases: options.releases,
    }),
    unitsStep(spec),
    servicesStep(spec, { managed: options.repair }),
    cleanFinishStep(spec),
  ];
}

/** What the build must produce for these hosts: their artifacts, and the wheels of their packages. */
export function buildNeeds(app: App, specs: AppSpec[]) {
  const profiles = specs.map((spec) => spec.profiles);
  const artifacts = [...new Set(profiles.flatMap((p) => app.artifactsFor(p)))];
  const wheelNames = new Set(profiles.flatMap((p) => app.packagesFor(p).map((pkg) => pkg.wheel)));
  return {
    binaries: artifacts.filter((name) => app.definition.artifacts[name].from === "cargo"),
    sourceFiles: artifacts.filter((name) => app.definition.artifacts[name].from === "source")
      .map((name) => ({ name, path: app.definition.artifacts[name].path ?? name })),
    wheels: (app.definition.build.wheels ?? []).filter((wheel) => wheelNames.has(wheel.name)),
  };
}

/** The build options of an install or status run. */
export function buildOptions(app: App, specs: AppSpec[], options: InstallOptions) {
  const source = app.definition.source;
  return {
    title: app.title,
    srcDir: options.srcDir,
    srcRepo: options.srcRepo ?? source.repo ?? "",
    srcRef: options.srcRef ?? source.ref ?? "main",
    skipBuild: options.skipBuild ?? false,
    verbose: options.verbose ?? false,
    dryRun: options.dryRun ?? false,
    ...buildNeeds(app, specs),
    commands: app.definition.build.commands,
    requires: app.definition.source.requires,
    logDir: options.logDir,
    python: options.python,
    emit: options.emit ?? ((_: RunEvent) => {}),
    signal: options.signal,
  };
}

/**
 * `muster install`: builds the app once on this machine, then brings every selected host to
 * the wanted state concurrently; with `dryRun`, only plans. Returns the run report.
 */
export async function install(options: InstallOptions, command = "install"): Promise<RunReport> {
  const { startedAt, emit, app, targets, specs: specsOf } = await startCommand(options);
  const specs = specsOf();
  if (targets.length === 0) return buildReport(command, { dryRun: options.dryRun ?? false, startedAt }, []);
  const artifacts = await prepareArtifacts(buildOptions(app, specs, { ...options, emit }));
  try {
    const lock = runLock(app, command, options, startedAt);
    const releases = { keep: options.keepReleases, now: startedAt };
    const jobs = targets.map((target, i) => ({
      connection: target.connection,
      steps: [
        lock(specs[i].prefix),
        ...installPlaybook(specs[i], artifacts, { repair: options.repair, releases }),
      ],
    }));
    const outcome = await runJobs(jobs, {
      ...options,
      maxFailPercent: gatedMaxFailPercent(options),
      dryRun: options.dryRun ?? false,
      emit,
      unreachableExitCode: 3,
      connect: connectorFor(options),
    });
    const hosts = outcome.results.map((result, i) => {
      const { prefix, profiles, systemd, enable } = specs[i];
      return { ...result, installed: { app: app.name, prefix, profiles, systemd, enable } };
    });
    return buildReport(command, { dryRun: options.dryRun ?? false, startedAt }, hosts);
  } finally {
    await artifacts.cleanup();
  }
}

export type { PreparedHost };
