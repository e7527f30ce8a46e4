/**
 * The `build` role: runs once per run, on the machine muster runs on. It gets the Flame
 * source (`--src-dir`, or a shallow clone of `--src-repo` at `--src-ref`), checks it is a
 * Cargo workspace that builds the binaries the selected hosts need, builds them with
 * `cargo build --release` (unless `--skip-build` or a dry run) and the Python SDK into a
 * wheel, and returns every artifact with its SHA-256 so that hosts receive only what differs.
 *
 * @example
 * ```ts ignore
 * const artifacts = await prepareArtifacts({
 *   srcDir: "~/flame-src", srcRepo: DEFAULT_SRC_REPO, srcRef: DEFAULT_SRC_REF,
 *   skipBuild: false, verbose: false, dryRun: false,
 *   binaries: ["flame-session-manager", "flmctl"], sdk: true, emit: () => {},
 * });
 * try {
 *   console.log(artifacts.binaries.get("flmctl")?.sha256);
 * } finally {
 *   await artifacts.cleanup();
 * }
 * ```
 */

import { basename, join } from "node:path";
import { BuildError, UsageError } from "../../src/engine/errors.ts";
import type { Artifact, Artifacts } from "../../src/flame/artifacts.ts";
import type { Emit } from "../../src/engine/events.ts";
import { BuildLog } from "./build_log.ts";
import { cargoBuild } from "./cargo.ts";
import { sha256File } from "./sha256.ts";
import { checkBinaries, obtainSource, readWorkspace } from "./source.ts";
import { buildWheel } from "./wheel.ts";
import { cacheDir, cachedWheel, sourceDigest, storeWheel } from "./wheel_cache.ts";

/** The repository cloned when no `--src-dir` is given. */
export const DEFAULT_SRC_REPO = "https://github.com/xflops-io/flame.git";
/** The branch or tag cloned when no `--src-dir` is given. */
export const DEFAULT_SRC_REF = "main";

export type { Artifact, Artifacts };

/** Options of {@linkcode prepareArtifacts}. */
export interface BuildOptions {
  /** A local Flame source checkout; when absent, `srcRepo` is cloned. */
  srcDir?: string;
  /** Repository to clone (a URL or a local path). Use {@linkcode DEFAULT_SRC_REPO} by default. */
  srcRepo: string;
  /** Branch or tag to clone. Use {@linkcode DEFAULT_SRC_REF} by default. */
  srcRef: string;
  /** Use the binaries already in `SRC/target/release`; a missing one is an error (exit 1). */
  skipBuild: boolean;
  /** The user streams the build output (`--verbose`); only changes the hint of a failure. */
  verbose: boolean;
  /** Build nothing; plan binaries from `target/release` as found. */
  dryRun: boolean;
  /** The binaries needed by the selected hosts' profiles. */
  binaries: string[];
  /** Whether the Python SDK wheel is needed. */
  sdk: boolean;
  /** Where the build log goes. @default `$XDG_STATE_HOME/muster/logs` (else a temporary directory) */
  logDir?: string;
  /** Where built wheels are kept across runs. @default `$XDG_CACHE_HOME/muster/wheels` */
  wheelCache?: string;
  /** The Python that builds the wheel. @default "python3" */
  python?: string;
  /** Receives `build-*` and `message` events. */
  emit: Emit;
  /** Stops the build (cargo and pip are killed) with a `CancelledError`. */
  signal?: AbortSignal;
}

/**
 * Gets, checks and builds the Flame source; returns the artifacts with their SHA-256.
 * Errors: `UsageError` (exit 1) for a bad source, a failed clone or a binary missing with
 * `skipBuild`; `BuildError` (exit 2, with `logFile`) when cargo or pip fail.
 */
export async function prepareArtifacts(options: BuildOptions): Promise<Artifacts> {
  const binaries = [...new Set(options.binaries)];
  const { emit, signal } = options;
  const source = await obtainSource(options);
  const tempDirs = source.tempDir ? [source.tempDir] : [];
  const cleanup = async () => {
    for (const dir of tempDirs.splice(0)) {
      await Deno.remove(dir, { recursive: true }).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      });
    }
  };
  let log: BuildLog | undefined;
  try {
    const building = !options.dryRun && !options.skipBuild && binaries.length > 0;
    const workspace = await readWorkspace(source.dir, { cargoRequired: building, signal });
    if (workspace) {
      checkBinaries(source.dir, workspace, binaries);
    } else {
      emit({
        type: "message",
        level: "warn",
        text: `Cannot check which binaries ${source.dir} builds: cargo is not installed`,
      });
    }
    const sdkDir = join(source.dir, "sdk", "python");
    if (options.sdk && !(await _stat(sdkDir))?.isDirectory) {
      throw new UsageError(`The source has no Python SDK: ${sdkDir} does not exist`, {
        hint: "Pass --src-dir with a Flame source checkout",
      });
    }

    if (building) {
      log = await BuildLog.create(options.logDir);
      await cargoBuild({
        dir: source.dir,
        workspace: workspace!,
        binaries,
        log,
        emit,
        verbose: options.verbose,
        signal,
      });
    }
    const releaseDir = join(workspace?.targetDir ?? join(source.dir, "target"), "release");
    const found = new Map<string, Artifact>();
    const missing: string[] = [];
    for (const name of binaries) {
      const path = join(releaseDir, name);
      if ((await _stat(path))?.isFile) {
        found.set(name, { name, path, ...await sha256File(path) });
      } else if (options.dryRun) {
        found.set(name, { name, path, sha256: "", size: 0 });
      } else {
        missing.push(path);
      }
    }
    if (missing.length > 0) _missing(source.dir, missing, options.skipBuild, log);

    let wheel: Artifact | undefined;
    if (options.sdk) {
      const digest = await sourceDigest(sdkDir, options.python ?? "python3");
      const cache = options.wheelCache ? join(options.wheelCache, digest) : cacheDir(digest);
      let path = await cachedWheel(cache);
      if (!path && !options.dryRun) {
        log ??= await BuildLog.create(options.logDir);
        const built = await buildWheel({
          sdkDir,
          python: options.python,
          log,
          emit,
          verbose: options.verbose,
          signal,
        });
        tempDirs.push(built.tempDir);
        path = await storeWheel(cache, built.path, built.name);
      }
      // A dry run builds nothing: it plans with this very SDK's cached wheel, when there is one.
      wheel = path
        ? { name: basename(path), path, ...await sha256File(path) }
        : { name: "flamepy", path: sdkDir, sha256: "", size: 0 };
    }
    return {
      srcDir: source.dir,
      binaries: found,
      wheel,
      planned: options.dryRun,
      logFile: log?.path,
      cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  } finally {
    log?.close();
  }
}

function _missing(dir: string, paths: string[], skipBuild: boolean, log?: BuildLog): never {
  const names = paths.map((path) => path.slice(path.lastIndexOf("/") + 1));
  const list = paths.map((path) => `  ${path}`).join("\n");
  if (skipBuild) {
    throw new UsageError(`--skip-build: ${names.join(", ")} not built in ${dir}; missing:\n${list}`, {
      hint: `Build them first (cargo build --release in ${dir}), or leave out --skip-build`,
    });
  }
  throw new BuildError(`Build succeeded but cargo did not produce ${names.join(", ")}; missing:\n${list}`, {
    logFile: log?.path,
    hint: log ? `For the full output see ${log.path}` : undefined,
  });
}

async function _stat(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) return undefined;
    throw error;
  }
}
