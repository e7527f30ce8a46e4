import { type Change, type Op, shOp } from "../../src/engine/change.ts";
import { InstallError } from "../../src/engine/errors.ts";
import type { Step } from "../../src/engine/step.ts";
import { pathsFact } from "../../src/facts/files.ts";
import { under } from "../../src/app/app.ts";
import type { AppSpec } from "../../src/app/spec.ts";
import { sh } from "../../src/transport/quote.ts";
import { attributesChange, cleaning, modeText, ownerOf } from "./context.ts";

/** `install`: the app's directory layout under the prefix, with its modes and owner. */
export function directoriesStep(spec: AppSpec): Step {
  const dirs = spec.app.layout.map((dir) => ({ path: under(spec.prefix, dir.path), mode: dir.mode }));
  const states = pathsFact(dirs.map((dir) => dir.path));
  return {
    role: "install",
    name: "directories",
    exitCode: 3,
    facts: [states],
    plan(facts) {
      const found = cleaning(facts, spec) ? new Map() : facts.get(states);
      const owner = ownerOf(facts, spec);
      const changes: Change[] = [];
      const created: { path: string; mode: number }[] = [];
      for (const dir of dirs) {
        const state = found.get(dir.path);
        if (!state) {
          // The first directory created carries the commands that create them all (see
          // createOps); the others say so, as a comment, so that none looks like a change left undone.
          changes.push({
            action: "create",
            target: `${dir.path}/`,
            detail: `mode ${modeText(dir.mode)}${owner ? `, owner ${owner}` : ""}`,
            ops: created.length ? [shOp("# made with the first directory created above")] : [],
          });
          created.push(dir);
        } else if (state.type !== "directory") {
          throw new InstallError(`${dir.path} exists and is not a directory (${state.type})`, {
            hint: "move it out of the way, or install elsewhere with --prefix",
          });
        } else {
          const change = attributesChange(dir.path, state, { mode: dir.mode, owner });
          if (change) changes.push(change);
        }
      }
      changes.find((change) => change.action === "create")?.ops.unshift(...createOps(created, owner));
      return changes;
    },
  };
}

/**
 * Creates directories, in order, with a few commands rather than two per directory, then one
 * `chown` for all. Each directory gets its mode from `mkdir -m` (no chmod, and mkdir says why
 * it cannot), in one `mkdir -p -m MODE` for each run of directories of the same mode (a run
 * never holds a parent of another mode, which `-p` would make with the default mode). Where
 * that takes more commands than the modes: one `mkdir` of them all with the bits every mode
 * has (never more open than any directory ends up), then a `chmod` for each other mode. A
 * layout of 0755 directories with a private 0700 one among them takes two, not three.
 */
export function createOps(dirs: { path: string; mode: number }[], owner?: string): Op[] {
  const runs: { mode: number; paths: string[] }[] = [];
  for (const dir of dirs) {
    const last = runs.at(-1);
    if (last?.mode === dir.mode) last.paths.push(dir.path);
    else runs.push({ mode: dir.mode, paths: [dir.path] });
  }
  const common = dirs.reduce((mode, dir) => mode & dir.mode, 0o7777);
  const others = Map.groupBy(dirs.filter((dir) => dir.mode !== common), (dir) => dir.mode);
  // The owner may make directories in each one made (a user's install: no root to bypass modes).
  const widen = (common & 0o700) === 0o700 && others.size + 1 < runs.length;
  const made = widen
    ? [
      shOp(sh`mkdir -p -m ${modeText(common)} -- ${dirs.map((dir) => dir.path)}`),
      ...[...others].map(([mode, group]) =>
        shOp(sh`chmod ${modeText(mode)} -- ${group.map((dir) => dir.path)}`)
      ),
    ]
    : runs.map((run) => shOp(sh`mkdir -p -m ${modeText(run.mode)} -- ${run.paths}`));
  return [
    ...made,
    ...(owner && dirs.length ? [shOp(sh`chown ${owner}:${owner} ${dirs.map((dir) => dir.path)}`)] : []),
  ];
}
