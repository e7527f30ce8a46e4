/**
 * The Python SDK: built once per run into a wheel with the controller's Python, offline:
 * `python3 -m pip wheel --no-deps --no-build-isolation --no-index -w TMP SRC/sdk/python`.
 */

import { join } from "node:path";
import { BuildError } from "../../src/engine/errors.ts";
import type { Emit } from "../../src/engine/events.ts";
import { type BuildLog, Tail } from "./build_log.ts";
import { streamLines } from "./process.ts";

/** Options of {@linkcode buildWheel}. */
export interface WheelOptions {
  /** The SDK directory (`SRC/sdk/python`). */
  sdkDir: string;
  /** The Python that runs pip. @default "python3" */
  python?: string;
  log: BuildLog;
  emit: Emit;
  verbose: boolean;
  signal?: AbortSignal;
}

/** A built wheel, in a temporary directory of its own. */
export interface BuiltWheel {
  path: string;
  name: string;
  /** The temporary directory holding it, to remove afterwards. */
  tempDir: string;
}

/**
 * Builds the SDK's wheel; streams pip's output as `build-output` events and into the log.
 * Throws `BuildError` (exit 2) when pip fails or makes no wheel.
 */
export async function buildWheel(options: WheelOptions): Promise<BuiltWheel> {
  const python = options.python ?? "python3";
  const tempDir = await Deno.makeTempDir({ prefix: "muster-wheel-" });
  const args = [
    "-m",
    "pip",
    "wheel",
    "--no-deps",
    "--no-build-isolation",
    "--no-index",
    "--disable-pip-version-check",
    "-w",
    tempDir,
    options.sdkDir,
  ];
  const { log, emit } = options;
  const tail = new Tail(20);
  const fail = (message: string) =>
    new BuildError(`${message}; last lines of its output:\n${tail.lines.join("\n")}`, {
      logFile: log.path,
      hint: `For the full output see ${log.path}${options.verbose ? "" : ", or rerun with --verbose"}. ` +
        `${python} must be able to build the SDK without network: its build backend ` +
        `(for setuptools: setuptools and wheel) must be installed in that Python`,
    });
  try {
    log.line(`$ ${python} ${args.join(" ")}`);
    emit({ type: "message", level: "info", text: `Building the Python SDK wheel from ${options.sdkDir}` });
    let code: number;
    try {
      code = await streamLines(python, args, {
        env: { PIP_NO_INPUT: "1", PYTHONDONTWRITEBYTECODE: "1" },
        signal: options.signal,
        onLine: (line) => {
          log.line(line);
          tail.push(line);
          emit({ type: "build-output", line });
        },
      });
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      throw new BuildError(`Cannot build the Python SDK: ${python} is not installed`, {
        hint: "Install Python 3 with pip on the machine muster runs on",
      });
    }
    log.line(`# pip exited with code ${code}`);
    if (code !== 0) throw fail(`Building the Python SDK wheel failed: pip exited with code ${code}`);
    const wheels: string[] = [];
    for await (const entry of Deno.readDir(tempDir)) {
      if (entry.isFile && entry.name.endsWith(".whl")) wheels.push(entry.name);
    }
    if (wheels.length !== 1) {
      throw fail(`Building the Python SDK wheel made ${wheels.length} wheels instead of one`);
    }
    return { path: join(tempDir, wheels[0]), name: wheels[0], tempDir };
  } catch (error) {
    await Deno.remove(tempDir, { recursive: true }).catch(() => {});
    throw error;
  }
}
