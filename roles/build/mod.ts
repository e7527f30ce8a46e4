/**
 * The `build` role: runs once per run, on the machine muster runs on. It gets the app's
 * source (`--src-dir`, or a shallow clone of `--src-repo` at `--src-ref`); when the hosts
 * need binaries, checks it is a Cargo workspace that builds them and builds them with
 * `cargo build --release` (unless `--skip-build` or a dry run); builds the Python wheels the
 * hosts' packages need (with their requirements, offline); and returns every artifact with
 * its SHA-256 so that hosts receive only what differs.
 *
 * @example
 * ```ts ignore
 * const artifacts = await prepareArtifacts({
 *   srcDir: "~/flame-src", srcRepo: "https://github.com/xflops-io/flame.git", srcRef: "main",
 *   skipBuild: false, verbose: false, dryRun: false,
 *   binaries: ["flame-session-manager", "flmctl"], wheels: [{ name: "flamepy", dir: "sdk/python" }],
 *   emit: () => {},
 * });
 * try {
 *   console.log(artifacts.files.get("flmctl")?.sha256);
 * } finally {
 *   await artifacts.cleanup();
 * }
 * ```
 */

import { basename, join } from "node:path";
import { BuildError, UsageError } from "../../src/engine/errors.ts";
import type { Artifact, Artifacts, WheelSet } from "../../src/app/artifacts.ts";
import type { Emit } from "../../src/engine/events.ts";
import { BuildLog } from "./build_log.ts";
import { cargoBuild } from "./cargo.ts";
import { runBuildCommands } from "./commands.ts";
import { prebuiltTarget } from "./prebuilt.ts";
import { sha256File } from "./sha256.ts";
import { checkBinaries, obtainSource, readWorkspace } from "./source.ts";
import { choosePython } from "./python.ts";
import { buildWheel, type WheelBuild } from "./wheel.ts";
import { cacheDir, cachedWheel, sourceDigest, storeWheel } from "./wheel_cache.ts";

export type { Artifact, Artifacts, WheelBuild };

/** Options of {@linkcode prepareArtifacts}. */
export interface BuildOptions {
  /** How the app is named in messages ("Pass --src-dir with a Flame source checkout"). @default "project" */
  title?: string;
  /** A local source checkout; when absent, `srcRepo` is cloned. */
  srcDir?: string;
  /** Repository to clone (a URL or a local path): the app's `source.repo` by default. */
  srcRepo: string;
  /** Branch or tag to clone: the app's `source.ref`, else "main", by default. */
  srcRef: string;
  /** Use the binaries already in `SRC/target/release`; a missing one is an error (exit 1). */
  skipBuild: boolean;
  /** The user streams the build output (`--verbose`); only changes the hint of a failure. */
  verbose: boolean;
  /** Build nothing; plan binaries from `target/release` as found. */
  dryRun: boolean;
  /** The binaries (built by cargo) needed by the selected hosts' profiles. */
  binaries: string[];
  /** Files taken as they are from the source: artifact name and path in the source. */
  sourceFiles?: Array<{ name: string; path: string }>;
  /** Paths the source must have (the app's `source.requires`), checked before anything runs. */
  requires?: readonly string[];
  /** The app's own build commands, run in the source directory first (not in a dry run or with skipBuild). */
  commands?: readonly string[];
  /** The Python wheels needed by the selected hosts' packages. */
  wheels: WheelBuild[];
  /** Where the build log goes. @default `$XDG_STATE_HOME/muster/logs` (else a temporary directory) */
  logDir?: string;
  /** Where built wheels are kept across runs. @default `$XDG_CACHE_HOME/muster/wheels` */
  wheelCache?: string;
  /** The Python that builds the wheels. @default the first of `python3`, /usr/bin/python3, ... that can */
  python?: string;
  /** Receives `build-*` and `message` events. */
  emit: Emit;
  /** Stops the build (cargo and pip are killed) with a `CancelledError`. */
  signal?: AbortSignal;
}

/**
 * Gets, checks and builds the source; returns the artifacts with their SHA-256.
 * Errors: `UsageError` (exit 1) for a bad source, a failed clone or a binary missing with
 * `skipBuild`; `BuildError` (exit 2, with `logFile`) when cargo or pip fail.
 */
export async function prepareArtifacts(options: BuildOptions): Promise<Artifacts> {
  const binaries = [...new Set(options.binaries)];
  const { emit, signal } = options;
  const title = options.title ?? "project";
  const source = await obtainSource({ ...options, title });
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
    const workspace = binaries.length === 0
      ? undefined
      : await readWorkspace(source.dir, { cargoRequired: building, signal, title });
    if (workspace) {
      checkBinaries(source.dir, workspace, binaries, title);
    } else if (binaries.length > 0) {
      emit({
        type: "message",
        level: "warn",
        text: `Cannot check which binaries ${source.dir} builds: cargo is not installed`,
      });
    }
    for (const wheel of options.wheels) {
      const dir = join(source.dir, wheel.dir);
      if (!(await _stat(dir))?.isDirectory) {
        throw new UsageError(`The source has no Python project for ${wheel.name}: ${dir} does not exist`, {
          hint: `Pass --src-dir with a ${title} source checkout`,
        });
      }
    }

    for (const path of options.requires ?? []) {
      if (!(await _stat(join(source.dir, path)))) {
        throw new UsageError(`Not a ${title} source: ${source.dir} has no ${path}`, {
          hint: `Pass --src-dir with a ${title} source checkout`,
        });
      }
    }
    const commands = options.commands ?? [];
    if (commands.length > 0 && !options.dryRun && !options.skipBuild) {
      log = await BuildLog.create(options.logDir);
      await runBuildCommands(commands, { dir: source.dir, log, emit, verbose: options.verbose, signal });
    }
    if (building) {
      log ??= await BuildLog.create(options.logDir);
      await cargoBuild({
        dir: source.dir,
        workspace: workspace!,
        binaries,
        title,
        log,
        emit,
        verbose: options.verbose,
        signal,
      });
    }
    const releaseDir = join(workspace?.targetDir ?? join(source.dir, "target"), "release");
    const found = new Map<string, Artifact>();
    for (const file of options.sourceFiles ?? []) {
      const path = join(source.dir, file.path);
      // A dry run runs no build command: a file one makes is planned as yet to be built.
      if (options.dryRun && !(await _stat(path))?.isFile) {
        found.set(file.name, { name: file.name, path, sha256: "", size: 0 });
        continue;
      }
      if (!(await _stat(path))?.isFile) {
        throw new UsageError(`The source has no ${file.path} (artifact ${file.name}) in ${source.dir}`, {
          hint: `Pass --src-dir with a ${title} source checkout`,
        });
      }
      found.set(file.name, { name: file.name, path, ...await sha256File(path) });
    }
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

    const wheels = new Map<string, WheelSet>();
    for (const wheel of options.wheels) {
      const dir = join(source.dir, wheel.dir);
      const digest = await sourceDigest(dir, options.python ?? "python3");
      const cache = options.wheelCache ? join(options.wheelCache, digest) : cacheDir(digest);
      let path = await cachedWheel(cache);
      if (!path && !options.dryRun) {
        log ??= await BuildLog.create(options.logDir);
        const built = await buildWheel({
          build: wheel,
          srcDir: source.dir,
          python: await choosePython(dir, { python: options.python, signal }),
          log,
          emit,
          verbose: options.verbose,
          signal,
        });
        tempDirs.push(built.tempDir);
        path = await storeWheel(cache, built);
      }
      // A dry run builds nothing: it plans with this very project's cached wheels, when there are some.
      const requirements = path ? await artifactsIn(join(cache, "requirements")) : [];
      const prebuilt = path && requirements.length === 0 && path.endsWith("-none-any.whl")
        ? await prebuiltTarget(path, join(cache, "target.tar.gz"), {
          python: options.python ?? "python3",
          build: !options.dryRun,
          signal,
        })
        : undefined;
      wheels.set(wheel.name, {
        main: path
          ? { name: basename(path), path, ...await sha256File(path) }
          : { name: wheel.name, path: dir, sha256: "", size: 0 },
        requirements,
        ...(prebuilt ? { prebuilt } : {}),
      });
    }
    return {
      srcDir: source.dir,
      files: found,
      wheels,
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

/** The wheels in a directory, in name order, with their checksums; none when it is missing. */
async function artifactsIn(dir: string): Promise<Artifact[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.endsWith(".whl")) names.push(entry.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return await Promise.all(
    names.sort().map(async (name) => ({ name, path: join(dir, name), ...await sha256File(join(dir, name)) })),
  );
}

async function _stat(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) return undefined;
    throw error;
  }
}
