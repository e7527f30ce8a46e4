/**
 * `cargo build --release` of the binaries a run needs, with progress events from cargo's
 * own output and the full output in the build log.
 */

import { cannotRun, TOOLCHAIN_HINT } from "./source.ts";
import { BuildError } from "../../src/engine/errors.ts";
import type { Emit } from "../../src/engine/events.ts";
import { type BuildLog, Tail } from "./build_log.ts";
import { compilingUnit } from "./cargo_output.ts";
import { countUnits, type Workspace } from "./metadata.ts";
import { capture, streamLines } from "./process.ts";

/** Options of {@linkcode cargoBuild}. */
export interface CargoBuildOptions {
  /** How the app is named in messages. */
  title?: string;
  /** The workspace directory. */
  dir: string;
  workspace: Workspace;
  /** Binary names to build (`--bin NAME` each). */
  binaries: readonly string[];
  log: BuildLog;
  emit: Emit;
  /** Whether the user already streams the output (changes the hint of a failure). */
  verbose: boolean;
  signal?: AbortSignal;
}

/**
 * Builds `binaries` with `cargo build --release --bin ...`, emitting `build-start`,
 * `build-progress` per compiled package, `build-output` per line and `build-end`.
 * `CARGO_NET_OFFLINE=true` is set when the workspace has only path dependencies, so a
 * machine without network builds it; otherwise cargo fetches crates as usual.
 * Throws `BuildError` (exit 2) with the last 20 lines of output when cargo fails.
 */
export async function cargoBuild(options: CargoBuildOptions): Promise<void> {
  const { dir, workspace, log, emit } = options;
  const env: Record<string, string> = workspace.externalDeps ? {} : { CARGO_NET_OFFLINE: "true" };
  const roots = new Set(options.binaries.map((name) => workspace.bins.get(name)!));
  let total = await _estimateTotal(dir, roots, env, options.signal);

  const args = ["build", "--release", ...options.binaries.flatMap((name) => ["--bin", name])];
  log.line(`$ cd ${dir} && ${env.CARGO_NET_OFFLINE ? "CARGO_NET_OFFLINE=true " : ""}cargo ${args.join(" ")}`);
  const tail = new Tail(20);
  let current = 0;
  const started = performance.now();
  emit({ type: "build-start", total });
  let code: number;
  try {
    code = await streamLines("cargo", args, {
      cwd: dir,
      env,
      signal: options.signal,
      onLine: (line) => {
        log.line(line);
        tail.push(line);
        emit({ type: "build-output", line });
        const unit = compilingUnit(line);
        if (unit !== undefined) {
          current += 1;
          if (total > 0) total = Math.max(total, current);
          emit({ type: "build-progress", current, total, unit });
        }
      },
    });
  } catch (error) {
    emit({ type: "build-end", ok: false, durationMs: Math.round(performance.now() - started) });
    if (error instanceof Deno.errors.NotFound) {
      throw new BuildError(`Cannot build ${options.title ?? "the project"}: cargo is not installed`, {
        hint: "Install the Rust toolchain (https://rustup.rs), or build elsewhere and use --skip-build",
      });
    }
    throw error;
  }
  const durationMs = Math.round(performance.now() - started);
  log.line(`# cargo exited with code ${code} after ${(durationMs / 1000).toFixed(1)}s`);
  emit({ type: "build-end", ok: code === 0, durationMs });
  if (code !== 0) {
    throw new BuildError(
      `Build failed: cargo build --release exited with code ${code}; last lines of its output:\n` +
        tail.lines.join("\n"),
      {
        logFile: log.path,
        hint: cannotRun(tail.lines.join("\n"))
          ? TOOLCHAIN_HINT
          : options.verbose
          ? `The full output is in ${log.path}`
          : `For the full output see ${log.path}, or rerun with --verbose`,
      },
    );
  }
}

/** The number of packages the build compiles, from a full `cargo metadata`; 0 if unknown. */
async function _estimateTotal(
  dir: string,
  roots: Set<string>,
  env: Record<string, string>,
  signal?: AbortSignal,
): Promise<number> {
  const args = ["metadata", "--format-version", "1"];
  const triple = await _hostTriple(signal);
  if (triple) args.push("--filter-platform", triple);
  try {
    const result = await capture("cargo", args, { cwd: dir, env, signal });
    return result.code === 0 ? countUnits(result.stdout, roots) : 0;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof SyntaxError) return 0;
    throw error;
  }
}

/** The host's target triple from `rustc -vV`, to leave other platforms' dependencies out. */
async function _hostTriple(signal?: AbortSignal): Promise<string | undefined> {
  try {
    const result = await capture("rustc", ["-vV"], { signal });
    return result.code === 0 ? /^host: (\S+)$/m.exec(result.stdout)?.[1] : undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}
