import { prepareArtifacts } from "../../roles/build/mod.ts";
import { sha256File } from "../../roles/build/sha256.ts";
import { cacheDir, cachedWheel, sourceDigest } from "../../roles/build/wheel_cache.ts";
import { cleaning, ownerOf } from "../../roles/install/context.ts";
import { configStep } from "../../roles/install/generated.ts";
import { cleanFinishStep, cleanStep, installSteps } from "../../roles/install/mod.ts";
import { clusterConfig } from "../../roles/install/templates.ts";
import { sha256Hex, textFileChanges } from "../../roles/install/text_file.ts";
import { servicesStep, unitsStep } from "../../roles/systemd/mod.ts";
import { userStep } from "../../roles/user/mod.ts";
import type { RunEvent } from "../engine/events.ts";
import type { PreparedHost } from "../engine/host.ts";
import type { HostResult, RunReport } from "../engine/result.ts";
import { runJobs } from "../engine/run.ts";
import type { Step } from "../engine/step.ts";
import { contentFact, pathsFact } from "../facts/files.ts";
import type { Artifacts } from "../flame/artifacts.ts";
import { binariesFor, needsSdk } from "../flame/components.ts";
import { paths } from "../flame/layout.ts";
import { type FlameSpec, stampOf } from "../flame/spec.ts";
import { buildReport } from "../report/report.ts";
import { unifiedDiff } from "../text/diff.ts";
import { maskSecrets } from "../text/mask.ts";
import { sh } from "../transport/quote.ts";
import { connectTo } from "./connect.ts";
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
  const steps = [
    cleanStep(spec),
    userStep(spec),
    ...installSteps(spec, artifacts),
    unitsStep(spec),
    servicesStep(spec),
    cleanFinishStep(spec),
  ];
  if (!options.repair) return steps;
  return steps.map((step) =>
    step.role === "install" && step.name === "config" ? managedConfigStep(spec) : step
  );
}

/**
 * The configuration step of `install --repair` and `status`: `conf/flame-cluster.yaml` is
 * the inventory's wanted state, so a file that differs (or does not parse) is replaced, and
 * the plan shows the diff. Plain `install` keeps such a file (see `configStep`).
 */
export function managedConfigStep(spec: FlameSpec): Step {
  const kept = configStep(spec);
  const path = paths(spec.prefix).config;
  const content = contentFact(path);
  const state = pathsFact([path]);
  const wanted = clusterConfig(spec);
  return {
    ...kept,
    facts: [...kept.facts, content, state],
    plan(facts) {
      const clean = cleaning(facts, spec);
      const changes = textFileChanges(
        { path, content: wanted, mode: 0o644, owner: ownerOf(facts, spec) },
        clean ? undefined : facts.get(content),
        clean ? undefined : facts.get(state).get(path),
      );
      return changes.map((change) =>
        change.diff ? { ...change, detail: "differs from the configuration the inventory describes" } : change
      );
    },
    verify() {
      const sum = sha256Hex(new TextEncoder().encode(wanted));
      return sh`printf '%s  %s\\n' ${sum} ${path} | sha256sum -c --quiet >/dev/null 2>&1 || ` +
        sh`{ echo ${`${path} is not the configuration that was written`} >&2; exit 1; }`;
    },
  };
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
  const artifacts = await withCachedWheel(
    await prepareArtifacts({
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
    }),
  );
  try {
    const jobs = targets.map((target, i) => ({
      connection: target.connection,
      steps: installPlaybook(specs[i], artifacts, { repair: options.repair }).map(withNewFileContent),
    }));
    const outcome = await runJobs(jobs, {
      ...options,
      dryRun: options.dryRun ?? false,
      emit,
      unreachableExitCode: 3,
      connect: (connection) =>
        connectTo(connection, {
          hostKeyChecking: options.hostKeyChecking,
          knownHostsFile: options.knownHostsFile,
        }),
    });
    return buildReport(command, { dryRun: options.dryRun ?? false, startedAt }, outcome.results.map(masked));
  } finally {
    await artifacts.cleanup();
  }
}

/**
 * A step whose created text files (generated content: config, units, `flmenv.sh`) carry
 * their content as a diff from nothing, as Terraform shows a new file.
 */
export function withNewFileContent(step: Step): Step {
  return {
    ...step,
    plan(facts, earlier) {
      return step.plan(facts, earlier).map((change) => {
        if (change.action !== "create" || change.diff) return change;
        const upload = change.ops.find((op) => op.kind === "upload" && op.dest === change.target);
        if (upload?.kind !== "upload" || typeof upload.source === "string") return change;
        const text = textOf(upload.source);
        return text === undefined ? change : { ...change, diff: unifiedDiff(change.target, "", text) };
      });
    },
  };
}

function textOf(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    if (error instanceof TypeError) return undefined;
    throw error;
  }
}

/**
 * In a dry run the wheel is not built; when the wheel of this very SDK source is in the
 * wheel cache, plan with it, so that a dry run after an install shows no SDK change.
 */
export async function withCachedWheel(artifacts: Artifacts): Promise<Artifacts> {
  const wheel = artifacts.wheel;
  if (!artifacts.planned || !wheel || wheel.sha256) return artifacts;
  // Best effort: an unreadable cache only means the SDK is planned as "to be built".
  const cached = await sourceDigest(wheel.path, "python3").then((digest) => cachedWheel(cacheDir(digest)))
    .catch(() => undefined);
  if (!cached) return artifacts;
  const name = cached.slice(cached.lastIndexOf("/") + 1);
  return { ...artifacts, wheel: { name, path: cached, ...await sha256File(cached) } };
}

/** A host result whose diffs have their secrets masked, as reports show them. */
export function masked(result: HostResult): HostResult {
  return {
    ...result,
    steps: result.steps.map((step) => ({
      ...step,
      changes: step.changes.map((change) =>
        change.diff ? { ...change, diff: maskSecrets(change.diff, { diff: true }) } : change
      ),
    })),
  };
}

export type { PreparedHost };
