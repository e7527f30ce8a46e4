/**
 * An application's source: a local directory (`--src-dir`) or a shallow clone of `--src-repo` at
 * `--src-ref` into a temporary directory; then checked to be a Cargo workspace.
 */

import { join, resolve } from "node:path";
import { BuildError, UsageError } from "../../src/engine/errors.ts";
import type { Emit } from "../../src/engine/events.ts";
import { parseWorkspace, type Workspace } from "./metadata.ts";
import { capture } from "./process.ts";

/** Where the source is. */
export interface Source {
  /** The source directory (absolute). */
  dir: string;
  /** The temporary directory holding a clone, to remove afterwards; undefined for `--src-dir`. */
  tempDir?: string;
}

/** Options of {@linkcode obtainSource}. */
export interface SourceOptions {
  /** How the app is named in messages. @default "project" */
  title?: string;
  srcDir?: string;
  srcRepo: string;
  srcRef: string;
  emit: Emit;
  signal?: AbortSignal;
}

/** Returns `srcDir` resolved, or clones `srcRepo` at `srcRef` into a new temporary directory. */
export async function obtainSource(options: SourceOptions): Promise<Source> {
  const title = options.title ?? "project";
  if (options.srcDir !== undefined) {
    const dir = resolve(options.srcDir);
    const info = await _stat(dir);
    if (!info?.isDirectory) {
      throw new UsageError(`Source directory not found: ${dir}`, {
        hint: `Pass --src-dir with a ${title} source checkout, or leave it out to clone --src-repo`,
      });
    }
    return { dir };
  }
  const tempDir = await Deno.makeTempDir({ prefix: "muster-src-" });
  const dir = join(tempDir, "flame");
  options.emit({ type: "message", level: "info", text: `Cloning ${options.srcRepo} (${options.srcRef})` });
  try {
    const args = ["clone", "--depth", "1", "--branch", options.srcRef, "--", options.srcRepo, dir];
    const result = await capture("git", args, {
      env: { GIT_TERMINAL_PROMPT: "0" },
      signal: options.signal,
    });
    if (result.code !== 0) {
      throw new UsageError(
        `Cannot clone ${options.srcRepo} at ${options.srcRef}: git exited with code ${result.code}:\n` +
          result.stderr.trim(),
        { hint: "Check --src-repo and --src-ref (a branch or tag), or pass --src-dir with a local checkout" },
      );
    }
  } catch (error) {
    await Deno.remove(tempDir, { recursive: true }).catch(() => {});
    if (error instanceof Deno.errors.NotFound) {
      throw new UsageError(`Cannot clone the ${title} source: git is not installed`, {
        hint: "Install git, or pass --src-dir with a local checkout",
      });
    }
    throw error;
  }
  return { dir, tempDir };
}

/**
 * Checks that `dir` is a Cargo workspace and reads it with
 * `cargo metadata --no-deps --offline` (no network, nothing compiled). Returns undefined
 * when cargo is not installed and `cargoRequired` is false.
 */
export async function readWorkspace(
  dir: string,
  options: { cargoRequired: boolean; signal?: AbortSignal; title?: string },
): Promise<Workspace | undefined> {
  const manifest = join(dir, "Cargo.toml");
  const title = options.title ?? "project";
  const hint = `Pass --src-dir with a ${title} source checkout (a Cargo workspace)`;
  let text: string;
  try {
    text = await Deno.readTextFile(manifest);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new UsageError(`Not a Cargo workspace: ${dir} has no Cargo.toml`, { hint });
  }
  if (!/^\s*\[workspace\]\s*(#.*)?$/m.test(text)) {
    throw new UsageError(`Not a Cargo workspace: ${manifest} has no [workspace] section`, { hint });
  }
  let result;
  try {
    const args = ["metadata", "--no-deps", "--format-version", "1", "--offline", "--manifest-path", manifest];
    result = await capture("cargo", args, { cwd: dir, signal: options.signal });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    if (!options.cargoRequired) return undefined;
    throw new BuildError(`Cannot build ${title}: cargo is not installed`, {
      hint: "Install the Rust toolchain (https://rustup.rs), or build elsewhere and use --skip-build",
    });
  }
  if (result.code !== 0 && cannotRun(result.stderr)) {
    throw new BuildError(
      `Cannot build ${title}: cargo cannot run here: ${result.stderr.trim().split("\n")[0]}`,
      {
        hint: TOOLCHAIN_HINT,
      },
    );
  }
  if (result.code !== 0) {
    throw new UsageError(
      `Cannot read the Cargo workspace in ${dir}: cargo metadata failed:\n${result.stderr.trim()}`,
      {
        hint,
      },
    );
  }
  return parseWorkspace(result.stdout);
}

/** What to do when cargo is there but has no toolchain to run (rustup without a default, sudo's HOME). */
export const TOOLCHAIN_HINT =
  "Give this user a Rust toolchain (`rustup default stable`), or run muster as a user " +
  'that has one; under sudo, keep yours reachable: sudo env PATH="$PATH" RUSTUP_HOME=~/.rustup CARGO_HOME=~/.cargo ...';

/** Whether cargo's error is rustup's, not the workspace's: no toolchain to run cargo with. */
export function cannotRun(stderr: string): boolean {
  return /rustup could not choose a version|no default (toolchain )?is configured|toolchain '.*' is not installed/i
    .test(stderr);
}

/** Throws a `UsageError` naming the binaries the workspace does not build. */
export function checkBinaries(
  dir: string,
  workspace: Workspace,
  binaries: readonly string[],
  title = "project",
): void {
  const missing = binaries.filter((name) => !workspace.bins.has(name));
  if (missing.length === 0) return;
  const found = [...workspace.bins.keys()].sort().join(", ") || "none";
  throw new UsageError(
    `The Cargo workspace in ${dir} does not build ${missing.join(", ")} (its binaries: ${found})`,
    { hint: `Is this a ${title} source checkout? Pass --src-dir, or --src-repo and --src-ref, of one` },
  );
}

async function _stat(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}
