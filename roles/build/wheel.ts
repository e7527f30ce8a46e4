/**
 * Python wheels: built once per run with the controller's Python, offline. The project's
 * own with `python3 -m pip wheel --no-deps --no-build-isolation --no-index -w TMP DIR`, and,
 * when it names a requirements file, its requirements' wheels from `--find-links` (no index
 * is reachable from the controller's hosts either), so hosts install everything from them.
 */

import { join } from "node:path";
import { BuildError } from "../../src/engine/errors.ts";
import type { Emit } from "../../src/engine/events.ts";
import { type BuildLog, Tail } from "./build_log.ts";
import { streamLines } from "./process.ts";

/** A wheel build of the app's definition (`build.wheels`). */
export interface WheelBuild {
  name: string;
  /** The project directory, relative to the source. */
  dir: string;
  /** A requirements file, relative to the source. */
  requirements?: string;
  /** Where the requirements come from, relative to the source: wheels, and project directories built first. */
  vendor?: string;
}

/** Options of {@linkcode buildWheel}. */
export interface WheelOptions {
  build: WheelBuild;
  /** The source directory. */
  srcDir: string;
  /** The Python that runs pip. @default "python3" */
  python?: string;
  log: BuildLog;
  emit: Emit;
  verbose: boolean;
  signal?: AbortSignal;
}

/** A built wheel and its requirements' wheels, in a temporary directory of their own. */
export interface BuiltWheel {
  path: string;
  name: string;
  /** Paths of the requirements' wheels. */
  requirements: string[];
  /** The temporary directory holding them, to remove afterwards. */
  tempDir: string;
}

const PIP = ["--no-build-isolation", "--no-index", "--disable-pip-version-check", "--no-cache-dir"];

/**
 * Builds a project's wheel (and its requirements'); streams pip's output as `build-output`
 * events and into the log. Throws `BuildError` (exit 2) when pip fails or makes no wheel.
 */
export async function buildWheel(options: WheelOptions): Promise<BuiltWheel> {
  const python = options.python ?? "python3";
  const tempDir = await Deno.makeTempDir({ prefix: "muster-wheel-" });
  const { log, emit, build } = options;
  const projectDir = join(options.srcDir, build.dir);
  const tail = new Tail(20);
  const fail = (message: string) =>
    new BuildError(`${message}; last lines of its output:\n${tail.lines.join("\n")}`, {
      logFile: log.path,
      hint: `For the full output see ${log.path}${options.verbose ? "" : ", or rerun with --verbose"}. ` +
        `${python} must be able to build the project without network: its build backend ` +
        `(for setuptools: setuptools and wheel) must be installed in that Python (or pass --python)`,
    });
  const pip = async (args: string[], what: string) => {
    log.line(`$ ${python} ${args.join(" ")}`);
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
      throw new BuildError(`Cannot build ${what}: ${python} is not installed`, {
        hint: "Install Python 3 with pip on the machine muster runs on",
      });
    }
    log.line(`# pip exited with code ${code}`);
    if (code !== 0) throw fail(`Building ${what} failed: pip exited with code ${code}`);
  };
  try {
    const mainDir = join(tempDir, "main");
    emit({
      type: "message",
      level: "info",
      text: `Building the Python wheel ${build.name} from ${projectDir}`,
    });
    await pip(
      ["-m", "pip", "wheel", "--no-deps", ...PIP, "-w", mainDir, projectDir],
      `the Python wheel ${build.name}`,
    );
    const wheels = await wheelsIn(mainDir);
    if (wheels.length !== 1) {
      throw fail(`Building the Python wheel ${build.name} made ${wheels.length} wheels instead of one`);
    }
    const requirements: string[] = [];
    if (build.requirements) {
      const reqDir = join(tempDir, "requirements");
      await Deno.mkdir(reqDir);
      if (build.vendor) await buildVendored(join(options.srcDir, build.vendor), reqDir, pip);
      await pip(
        [
          "-m",
          "pip",
          "wheel",
          ...PIP,
          "--find-links",
          reqDir,
          "-w",
          reqDir,
          "-r",
          join(options.srcDir, build.requirements),
        ],
        `the requirements of ${build.name}`,
      );
      requirements.push(...(await wheelsIn(reqDir)).map((name) => join(reqDir, name)));
    }
    return { path: join(mainDir, wheels[0]), name: wheels[0], requirements, tempDir };
  } catch (error) {
    await Deno.remove(tempDir, { recursive: true }).catch(() => {});
    throw error;
  }
}

/** Copies the vendored wheels into `out` and builds each vendored project directory into one there. */
async function buildVendored(
  vendor: string,
  out: string,
  pip: (args: string[], what: string) => Promise<void>,
): Promise<void> {
  for await (const entry of Deno.readDir(vendor)) {
    const path = join(vendor, entry.name);
    if (entry.isFile && entry.name.endsWith(".whl")) await Deno.copyFile(path, join(out, entry.name));
    else if (entry.isDirectory) {
      await pip(["-m", "pip", "wheel", "--no-deps", ...PIP, "-w", out, path], `the vendored ${entry.name}`);
    }
  }
}

async function wheelsIn(dir: string): Promise<string[]> {
  const wheels: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".whl")) wheels.push(entry.name);
  }
  return wheels.sort();
}
