import { type Change, shOp } from "../../src/engine/change.ts";
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
      for (const dir of dirs) {
        const state = found.get(dir.path);
        if (!state) {
          changes.push({
            action: "create",
            target: `${dir.path}/`,
            detail: `mode ${modeText(dir.mode)}${owner ? `, owner ${owner}` : ""}`,
            // mkdir -m creates it with its mode (no chmod), and says why it cannot.
            ops: [
              shOp(sh`mkdir -p -m ${modeText(dir.mode)} -- ${dir.path}`),
              ...(owner ? [shOp(sh`chown ${owner}:${owner} ${dir.path}`)] : []),
            ],
          });
        } else if (state.type !== "directory") {
          throw new InstallError(`${dir.path} exists and is not a directory (${state.type})`, {
            hint: "move it out of the way, or install elsewhere with --prefix",
          });
        } else {
          const change = attributesChange(dir.path, state, { mode: dir.mode, owner });
          if (change) changes.push(change);
        }
      }
      return changes;
    },
  };
}
