import { prepareArtifacts } from "../../roles/build/mod.ts";
import { attributesChange, ownerOf } from "../../roles/install/context.ts";
import type { Change } from "../engine/change.ts";
import { MusterError } from "../engine/errors.ts";
import type { HostResult, RunReport } from "../engine/result.ts";
import { runJobs } from "../engine/run.ts";
import type { Step } from "../engine/step.ts";
import { pathsFact } from "../facts/files.ts";
import type { Artifact, Artifacts } from "../app/artifacts.ts";
import type { AppSpec } from "../app/spec.ts";
import { buildReport } from "../report/report.ts";
import { connectorFor } from "./connect.ts";
import { buildNeeds, buildOptions, type InstallOptions, installPlaybook } from "./install.ts";
import { startCommand } from "./targets.ts";

/** Exit codes of `status`. */
export const StatusExit = {
  /** Every host matches what install would make it. */
  inSync: 0,
  /** An error: a bad inventory or source, a host that cannot be reached or read. */
  error: 1,
  /** At least one host drifts. */
  drift: 2,
} as const;

/** Options of `status`: those of `install`, which it plans without applying. */
export type StatusOptions = Omit<InstallOptions, "dryRun" | "repair"> & {
  /** Hash every binary, not only those changed since muster recorded them. @default false */
  checksum?: boolean;
};

/** What `status` found: the run report, with the drift of each host counted. */
export interface StatusReport extends RunReport {
  drift: {
    /** Hosts that match. */
    inSync: string[];
    /** Hosts with at least one drift. */
    drifted: string[];
    /** Hosts that could not be checked. */
    failed: string[];
    /** Drifts over the fleet. */
    changes: number;
    /** Whether binaries and the SDK were compared by checksum (a built `--src-dir`). */
    checksums: boolean;
  };
}

/**
 * `muster status`: for each selected host, what `install` with the same inputs would
 * change: missing or extra binaries, wrong modes or owners, a configuration that differs
 * from the inventory's, missing or different units, services not running with `enable`.
 * It plans exactly as install does (the same steps, facts gathered in one command per host)
 * and applies nothing. Nothing is built: with `srcDir`, binaries are compared by checksum
 * with `SRC/target/release` as found (and the SDK with the cached wheel); without it, or for
 * a binary not built there, by presence, mode and owner only. `clean` is ignored: it is an
 * action, not a state.
 *
 * The report's `exitCode` is 0 when every host matches, 2 when any drifts, 1 on error.
 */
export async function status(options: StatusOptions): Promise<StatusReport> {
  try {
    return await statusOf(options);
  } catch (error) {
    // Status has three outcomes; any error before the hosts are checked is "1: error".
    if (error instanceof MusterError && error.exitCode !== StatusExit.error && error.exitCode !== 130) {
      throw new MusterError(error.message, StatusExit.error, { hint: error.hint, cause: error });
    }
    throw error;
  }
}

async function statusOf(options: StatusOptions): Promise<StatusReport> {
  const { startedAt, emit, app, targets, specs: specsOf } = await startCommand(options);
  const specs = specsOf({ ...options, clean: false });
  if (targets.length === 0) {
    const report = buildReport("status", { dryRun: true, startedAt }, []);
    return { ...report, drift: { inSync: [], drifted: [], failed: [], changes: 0, checksums: false } };
  }
  const artifacts = options.srcDir === undefined
    ? unbuiltArtifacts(buildNeeds(app, specs))
    : await prepareArtifacts({
      ...buildOptions(app, specs, { ...options, emit }),
      skipBuild: false,
      dryRun: true,
    });
  try {
    const jobs = targets.map((target, i) => ({
      connection: target.connection,
      steps: statusPlaybook(specs[i], artifacts, { checksum: options.checksum }),
    }));
    const outcome = await runJobs(jobs, {
      ...options,
      dryRun: true,
      emit,
      unreachableExitCode: StatusExit.error,
      connect: connectorFor(options),
    });
    const hosts = outcome.results.map(driftResult);
    const report = buildReport("status", { dryRun: true, startedAt }, hosts);
    const names = (wanted: (host: HostResult) => boolean) => hosts.filter(wanted).map((host) => host.name);
    const failed = names((host) => host.exitCode === StatusExit.error);
    const drifted = names((host) => host.exitCode === StatusExit.drift);
    return {
      ...report,
      exitCode: failed.length ? StatusExit.error : drifted.length ? StatusExit.drift : StatusExit.inSync,
      drift: {
        inSync: names((host) => host.exitCode === StatusExit.inSync),
        drifted,
        failed,
        changes: hosts.reduce((n, host) => n + host.steps.flatMap((step) => step.changes).length, 0),
        checksums: [...artifacts.files.values(), ...[...artifacts.wheels.values()].map((set) => set.main)]
          .every((artifact) => artifact.sha256 !== ""),
      },
    };
  } finally {
    await artifacts.cleanup();
  }
}

/**
 * The steps `status` plans on a host: install's, with the configuration managed (a
 * differing one is drift), without the restarts that only follow from other changes, and
 * with checksums that cannot be known (nothing built) left out of the comparison.
 */
export function statusPlaybook(
  spec: AppSpec,
  artifacts: Artifacts,
  options: { checksum?: boolean } = {},
): Step[] {
  return installPlaybook(spec, artifacts, { repair: true, checksum: options.checksum, releases: false }).map(
    (step) => {
      if (step.role === "systemd" && step.name === "services") {
        return { ...step, plan: (facts) => step.plan(facts, []) };
      }
      if (step.role === "install" && step.name === "binaries") {
        return binariesWithoutSums(step, spec, artifacts);
      }
      if (
        step.role === "install" && step.name === "packages" &&
        [...artifacts.wheels.values()].some((set) => set.main.sha256 === "")
      ) {
        // The package is there; which version cannot be told without its wheel.
        return {
          ...step,
          plan: (facts, earlier) => step.plan(facts, earlier).filter((c) => c.action !== "change"),
        };
      }
      return step;
    },
  );
}

/** A binary whose checksum is unknown is compared by type, mode and owner only. */
function binariesWithoutSums(step: Step, spec: AppSpec, artifacts: Artifacts): Step {
  const { app } = spec;
  const byPath = new Map(app.artifacts.map((name) => [app.artifactPath(spec.prefix, name), name]));
  const states = pathsFact([...byPath.keys()]);
  return {
    ...step,
    facts: [...step.facts, states],
    plan(facts, earlier) {
      const found = facts.get(states);
      return step.plan(facts, earlier).flatMap((change): Change[] => {
        const name = byPath.get(change.target) ?? "";
        const state = found.get(change.target);
        const unknown = artifacts.files.get(name)?.sha256 === "";
        if (unknown && change.action === "create") return [{ ...change, detail: "missing" }];
        if (change.action !== "change" || !unknown || state?.type !== "file") return [change];
        const attributes = attributesChange(change.target, state, {
          mode: app.artifactMode(name),
          owner: ownerOf(facts, spec),
        });
        return attributes ? [attributes] : [];
      });
    },
  };
}

/** Artifacts of a status without a source: names only, no checksums. */
function unbuiltArtifacts(needs: ReturnType<typeof buildNeeds>): Artifacts {
  const unknown = (name: string): Artifact => ({ name, path: "", sha256: "", size: 0 });
  const files = [...needs.binaries, ...needs.sourceFiles.map((file) => file.name)];
  return {
    srcDir: "",
    files: new Map(files.map((name) => [name, unknown(name)])),
    wheels: new Map(
      needs.wheels.map((wheel) => [wheel.name, { main: unknown(wheel.name), requirements: [] }]),
    ),
    planned: true,
    cleanup: () => Promise.resolve(),
  };
}

/**
 * A planned host as status reports it: every change is drift, including those apply would
 * keep (a configuration that differs); exit 0 in sync, 2 drift, 1 error.
 */
export function driftResult(result: HostResult): HostResult {
  if (result.status === "failed" || result.status === "unreachable" || result.status === "skipped") {
    return { ...result, exitCode: StatusExit.error };
  }
  const steps = result.steps.map((step) => ({
    ...step,
    status: step.changes.length > 0 ? "changed" as const : "ok" as const,
  }));
  const drifts = steps.some((step) => step.changes.length > 0);
  return {
    ...result,
    status: drifts ? "changed" : "ok",
    exitCode: drifts ? StatusExit.drift : StatusExit.inSync,
    steps,
  };
}
