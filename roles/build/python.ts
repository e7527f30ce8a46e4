/**
 * Which Python builds a project's wheel. pip builds without isolation and without an
 * index, so the build backend must already be in the interpreter: the first candidate (the
 * one asked for with --python, else `python3` on PATH, then the system's) that has the
 * project's build requirements is taken; when none has, the error says what each lacks.
 */
import { join } from "node:path";
import { parse } from "smol-toml";
import { BuildError } from "../../src/engine/errors.ts";
import { capture } from "./process.ts";

/** Interpreters tried when none is asked for, in order. */
export const CANDIDATES = ["python3", "/usr/bin/python3", "/usr/local/bin/python3"];

/** What building a project needs from the interpreter. */
export interface BuildNeeds {
  /** Distribution names of `build-system.requires`. */
  requires: string[];
  /** Whether the backend is setuptools' (its bdist_wheel needs `wheel` before setuptools 70.1). */
  setuptools: boolean;
}

/** The build needs of a project directory, from its pyproject.toml (setup.py alone: setuptools). */
export async function buildNeeds(projectDir: string): Promise<BuildNeeds> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(projectDir, "pyproject.toml"));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    return { requires: ["setuptools"], setuptools: true };
  }
  const system = (parse(text)["build-system"] ?? {}) as {
    requires?: string[];
    "build-backend"?: string;
    "backend-path"?: string[];
  };
  const requires = (system.requires ?? ["setuptools"]).map((req) => req.split(/[\s<>=!~;[(]/)[0]).filter(
    Boolean,
  );
  const backend = system["build-backend"] ?? "setuptools.build_meta:__legacy__";
  return { requires, setuptools: backend.startsWith("setuptools") && !system["backend-path"] };
}

/** Python that prints, as JSON, the interpreter's path and version and what it lacks of `needs`. */
const PROBE = `
import json, sys
from importlib import metadata
needs = json.loads(sys.argv[1])
lacks = []
def version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
if version("pip") is None:
    lacks.append("pip")
for name in needs["requires"]:
    if version(name) is None:
        lacks.append(name)
if needs["setuptools"]:
    st = version("setuptools")
    newer = st is not None and tuple(int(p) for p in (st.split(".") + ["0"])[:2] if p.isdigit()) >= (70, 1)
    if st is not None and not newer and version("wheel") is None:
        lacks.append("wheel (setuptools %s has no bdist_wheel of its own before 70.1)" % st)
print(json.dumps({"path": sys.executable, "version": sys.version.split()[0], "lacks": lacks}))
`;

/** What one candidate has: where it is and what it lacks (`missing` when it does not run). */
export interface Candidate {
  python: string;
  path?: string;
  version?: string;
  lacks: string[];
}

/** Probes one interpreter for the build needs. */
export async function probePython(
  python: string,
  needs: BuildNeeds,
  signal?: AbortSignal,
): Promise<Candidate> {
  try {
    const result = await capture(python, ["-c", PROBE, JSON.stringify(needs)], { signal });
    if (result.code !== 0) {
      return { python, lacks: [`a working interpreter (${result.stderr.trim().split("\n").at(-1)})`] };
    }
    const found = JSON.parse(result.stdout) as { path: string; version: string; lacks: string[] };
    return { python, ...found };
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    return { python, lacks: ["the interpreter itself (not found)"] };
  }
}

/**
 * The interpreter that can build the project: the one asked for, or the first candidate
 * with everything the build needs. Throws a `BuildError` (exit 2) naming what each lacks.
 */
export async function choosePython(
  projectDir: string,
  options: { python?: string; signal?: AbortSignal } = {},
): Promise<string> {
  const needs = await buildNeeds(projectDir);
  const tried: Candidate[] = [];
  const seen = new Set<string>();
  for (const python of options.python ? [options.python] : CANDIDATES) {
    const candidate = await probePython(python, needs, options.signal);
    if (candidate.path && seen.has(candidate.path)) continue;
    if (candidate.path) seen.add(candidate.path);
    if (candidate.lacks.length === 0) return python;
    tried.push(candidate);
  }
  const lines = tried.map((c) =>
    `  ${c.python}${c.path && c.path !== c.python ? ` (${c.path}, Python ${c.version})` : ""}: lacks ${
      c.lacks.join(", ")
    }`
  );
  throw new BuildError(`No Python here can build ${projectDir} offline; tried:\n${lines.join("\n")}`, {
    hint:
      `Install what is missing into one of them (Debian: apt-get install python3-pip python3-setuptools ` +
      `python3-wheel), or pass --python with an interpreter that has ${needs.requires.join(", ") || "pip"}`,
  });
}
