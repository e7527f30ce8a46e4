/**
 * `release`: every install that changes a host's artifacts or packages keeps what it
 * replaces as a release in the host's store (hard links, so keeping costs no upload), and
 * records the new one as current; the last N are kept. When the install fails after it
 * started replacing (a service that is not healthy after the upgrade), the script's rollback
 * puts the previous release back, restarts the services and checks them again.
 */
import type { Change } from "../../src/engine/change.ts";
import { shOp, writeOp } from "../../src/engine/change.ts";
import type { Facts } from "../../src/engine/fact.ts";
import type { Step } from "../../src/engine/step.ts";
import { unitStatesFact } from "../../src/facts/services.ts";
import { recordPath } from "../../src/facts/quick_sums.ts";
import type { Artifacts } from "../../src/app/artifacts.ts";
import type { AppSpec } from "../../src/app/spec.ts";
import { sh } from "../../src/transport/quote.ts";
import { cleaning, prefixFact } from "../install/context.ts";
import { configuredSpec, keptFiles, unitPath } from "../systemd/mod.ts";
import { waitFor } from "../systemd/wait.ts";
import {
  artifactSumsFact,
  installedId,
  pruneScript,
  recordScript,
  type Release,
  releaseId,
  releaseLabel,
  releasesDir,
  releaseShape,
  restoreScript,
  storeFact,
  storeScript,
  withSums,
} from "./store.ts";

/** What the release steps are told. */
export interface ReleaseOptions {
  /** Releases kept besides the current one. @default 3 */
  keep?: number;
  /** When the run started: the stored time of the releases it makes. @default new Date() */
  now?: Date;
  /** Whether the install hashes every artifact (`--checksum`), as the binaries step reads them. @default false */
  checksum?: boolean;
}

/** The release an install brings to a host, or undefined while its checksums are unknown (dry run). */
export function wantedRelease(spec: AppSpec, artifacts: Artifacts, now: Date): Release | undefined {
  const { app } = spec;
  const files = app.artifactsFor(spec.profiles).map((name) => ({
    path: `${app.definition.artifacts[name].to}/${name}`,
    sha256: artifacts.files.get(name)?.sha256 ?? "",
  }));
  const wheels = app.packagesFor(spec.profiles).flatMap((pkg) => {
    const set = artifacts.wheels.get(pkg.wheel);
    return (set ? [set.main, ...set.requirements] : []).map((wheel) => ({
      path: `${pkg.wheels_dir}/${wheel.name}`,
      sha256: wheel.sha256,
    }));
  });
  if ([...files, ...wheels].some((file) => !file.sha256)) return undefined;
  return {
    id: releaseId([...files, ...wheels]),
    ...(app.definition.version ? { version: app.definition.version } : {}),
    stored: now.toISOString(),
    files: files.map((file) => file.path),
    dirs: releaseShape(spec).dirs,
    sums: Object.fromEntries(files.map((file) => [file.path, file.sha256])),
  };
}

/**
 * Shell that restarts the host's services that run (or are to run) and waits for their
 * checks, after a release was put back; failures are collected in `$muster_unhealthy`.
 */
export function restartScript(spec: AppSpec, checked: AppSpec, options: { always: boolean }): string {
  if (!spec.systemd) return "";
  return spec.app.servicesFor(spec.profiles).map((service) => {
    const unit = `${service.name}.service`;
    const running = options.always ? "" : sh` && systemctl is-active --quiet ${unit}`;
    const checks = [service.ready, ...(service.health ?? [])].filter((check) => check !== undefined)
      .map((check) =>
        `( ${waitFor(checked, service, check)}\n) || muster_unhealthy="$muster_unhealthy ${service.name}"`
      );
    return [
      sh`if [ -f ${unitPath(service.name)} ]` + `${running}; then`,
      sh`  systemctl restart ${unit} >/dev/null 2>&1 || muster_unhealthy="$muster_unhealthy ${service.name}"`,
      ...checks,
      "fi",
    ].join("\n");
  }).join("\n");
}

/**
 * `release/keep`, before the artifacts are replaced: stores the installed release when the
 * install changes it (unless it is in the store already), and on failure of any later step
 * puts it back and restarts the services.
 */
export function keepStep(spec: AppSpec, artifacts: Artifacts, options: ReleaseOptions = {}): Step {
  const shape = releaseShape(spec);
  const store = storeFact(spec.prefix, shape, { artifactSums: false });
  const sums = artifactSumsFact(spec, options);
  const kept = keptFiles(spec);
  const now = options.now ?? new Date();
  let previous: Release | undefined;
  /** The release the install brings when the store did not have it: dropped again on failure. */
  let failed: string | undefined;
  return {
    role: "release",
    name: "keep",
    exitCode: 3,
    facts: [store, sums, prefixFact(spec), ...kept.map(({ content }) => content)],
    plan(facts) {
      previous = failed = undefined;
      if (cleaning(facts, spec)) return [];
      const state = withSums(facts.get(store), facts.get(sums), spec.prefix);
      const installed = installedId(state);
      const wanted = wantedRelease(spec, artifacts, now);
      if (!installed || !wanted || installed === wanted.id) return [];
      const stored = state.releases.find((release) => release.id === installed);
      if (!state.releases.some((release) => release.id === wanted.id)) failed = wanted.id;
      previous = stored ?? {
        id: installed,
        // Just before the release that replaces it, so "the previous one" is never ambiguous.
        stored: new Date(now.getTime() - 1).toISOString(),
        files: shape.artifactPaths.filter((path) => state.sums.has(path)),
        dirs: shape.dirs,
        sums: Object.fromEntries(shape.artifactPaths.flatMap((path) => {
          const sum = state.sums.get(path);
          return sum ? [[path, sum]] : [];
        })),
      };
      const before = sh`muster_release_before=${installed}`;
      return [{
        action: stored ? "change" : "create",
        target: `${releasesDir(spec.prefix)}/${installed}`,
        detail: stored
          ? "kept: the release to go back to if the upgrade fails"
          : "keep the release being replaced (hard links: nothing is uploaded)",
        ops: stored ? [shOp(before)] : [shOp(storeScript(spec.prefix, previous)), shOp(before)],
      }];
    },
    rollback(facts) {
      if (!previous) return undefined;
      const checked = configuredSpec(spec, facts, kept);
      const label = releaseLabel(previous);
      return [
        "muster_rolled_back=1; muster_unhealthy=",
        restoreScript(spec.prefix, previous, shape),
        ...(failed ? [pruneScript(spec.prefix, [failed])] : []),
        restartScript(spec, checked, { always: spec.enable }),
        `if [ -z "$muster_unhealthy" ]; then muster_warn ${sh`${`rolled back to release ${label}: its services restarted and are healthy`}`}; else muster_warn ${sh`${`rolled back to release ${label}, but these services are still not healthy:`}`}"$muster_unhealthy"; fi`,
      ].join("\n");
    },
  };
}

/**
 * `release/switch`, after the artifacts and packages are in place: stores them as the new
 * release, names it current, and removes releases beyond the last `keep`.
 */
export function switchStep(spec: AppSpec, artifacts: Artifacts, options: ReleaseOptions = {}): Step {
  const shape = releaseShape(spec);
  const store = storeFact(spec.prefix, shape, { artifactSums: false });
  const sums = artifactSumsFact(spec, options);
  const now = options.now ?? new Date();
  const keep = options.keep ?? 3;
  return {
    role: "release",
    name: "switch",
    exitCode: 3,
    facts: [store, sums, prefixFact(spec)],
    plan(facts, earlier) {
      const state = withSums(facts.get(store), facts.get(sums), spec.prefix);
      const installed = cleaning(facts, spec) ? undefined : installedId(state);
      const before = state.releases.find((release) => release.id === installed) ??
        (installed ? { id: installed } : undefined);
      const wanted = wantedRelease(spec, artifacts, now);
      if (!wanted) {
        const changing = earlier.some(({ step, changes }) =>
          step.role === "install" && changes.some((change) => change.ops.length > 0)
        );
        if (!changing) return [];
        return [{
          action: before ? "change" : "create",
          target: "release",
          detail: before ? `${releaseLabel(before)} -> (to be built)` : "(to be built)",
          ops: [],
        }];
      }
      if (installed === wanted.id) return [];
      const older = state.releases.filter((release) => release.id !== wanted.id && release.id !== installed);
      const kept = installed ? [installed, ...older.map((release) => release.id)] : older.map((r) => r.id);
      const prune = kept.slice(keep);
      const record = recordScript(spec.prefix, wanted, spec.app.name);
      const change: Change = {
        action: installed ? "change" : "create",
        target: "release",
        detail: installed ? `${releaseLabel(before)} -> ${releaseLabel(wanted)}` : releaseLabel(wanted),
        ops: [
          shOp(storeScript(spec.prefix, wanted)),
          shOp(sh`printf '%s\\n' ${wanted.id} > ${`${releasesDir(spec.prefix)}/current`}`),
          // Linking the files into the store changed their ctime: record them as they are now.
          ...(record ? [writeOp(record, recordPath(spec.app.name, spec.prefix))] : []),
          ...(prune.length ? [shOp(pruneScript(spec.prefix, prune))] : []),
        ],
      };
      return [change];
    },
  };
}

/** Facts and a plan of what `muster releases` shows: the store of a host. */
export function releasesFact(spec: AppSpec) {
  return storeFact(spec.prefix, releaseShape(spec));
}

/** The units' states of the host's services (for restarts after a rollback). */
export function servicesFact(spec: AppSpec) {
  return unitStatesFact(spec.app.servicesFor(spec.profiles).map((service) => service.name));
}

/** Which releases a host has and which is current, from its facts. */
export function releasesOf(spec: AppSpec, facts: Facts) {
  const state = facts.get(releasesFact(spec));
  return { current: state.current, installed: installedId(state), releases: state.releases };
}
