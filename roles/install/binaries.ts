import { type Change, shOp } from "../../src/engine/change.ts";
import { InstallError } from "../../src/engine/errors.ts";
import type { Step } from "../../src/engine/step.ts";
import { pathsFact, sha256Fact } from "../../src/facts/files.ts";
import type { Artifacts } from "../../src/flame/artifacts.ts";
import { ALL_BINARIES, binariesFor } from "../../src/flame/components.ts";
import { paths } from "../../src/flame/layout.ts";
import type { FlameSpec } from "../../src/flame/spec.ts";
import { sh } from "../../src/transport/quote.ts";
import { attributesChange, cleaning, ownerOf } from "./context.ts";

/**
 * `install`: the binaries of the host's profiles in `bin/`, mode 0755, sent only when
 * their checksum differs; Flame binaries of other profiles are removed.
 */
export function binariesStep(spec: FlameSpec, artifacts: Artifacts): Step {
  const where = paths(spec.prefix);
  const wanted = binariesFor(spec.profiles);
  const all = ALL_BINARIES.map((name) => where.bin(name));
  const states = pathsFact(all);
  const sums = sha256Fact(all);
  return {
    role: "install",
    name: "binaries",
    exitCode: 3,
    facts: [states, sums],
    plan(facts) {
      const clean = cleaning(facts, spec);
      const found = clean ? new Map() : facts.get(states);
      const hashes = clean ? new Map() : facts.get(sums);
      const owner = ownerOf(facts, spec);
      const changes: Change[] = [];
      for (const name of wanted) {
        const artifact = artifacts.binaries.get(name);
        if (!artifact) throw new InstallError(`No build artifact for ${name}`);
        const dest = where.bin(name);
        const state = found.get(dest);
        const upload = {
          kind: "upload" as const,
          source: artifact.path,
          sha256: artifact.sha256,
          dest,
          mode: 0o755,
          owner,
          group: owner,
        };
        const next = artifact.sha256 ? short(artifact.sha256) : "(to be built)";
        if (!state) {
          changes.push({ action: "create", target: dest, detail: `sha256 ${next}`, ops: [upload] });
        } else if (state.type !== "file" || hashes.get(dest) !== artifact.sha256) {
          const was = state.type === "file" ? short(hashes.get(dest) ?? "") : state.type;
          changes.push({ action: "change", target: dest, detail: `sha256 ${was} -> ${next}`, ops: [upload] });
        } else {
          const change = attributesChange(dest, state, { mode: 0o755, owner });
          if (change) changes.push(change);
        }
      }
      for (const name of ALL_BINARIES) {
        const dest = where.bin(name);
        if (!wanted.includes(name) && found.has(dest)) {
          changes.push({
            action: "remove",
            target: dest,
            detail: "not part of this host's profiles",
            ops: [shOp(sh`rm -f -- ${dest}`)],
          });
        }
      }
      return changes;
    },
    verify() {
      return wanted.map((name) => {
        const bin = where.bin(name);
        return sh`${bin} --version >/dev/null 2>&1 || [ -x ${bin} ] || { echo ${`${bin} does not run`} >&2; exit 1; }`;
      }).join("\n");
    },
  };
}

function short(sha: string): string {
  return sha ? sha.slice(0, 12) : "unknown";
}
