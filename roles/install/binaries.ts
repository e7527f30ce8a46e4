import { type Change, shOp, writeOp } from "../../src/engine/change.ts";
import { InstallError } from "../../src/engine/errors.ts";
import type { Step } from "../../src/engine/step.ts";
import { pathsFact } from "../../src/facts/files.ts";
import { recordPath, recordSums } from "../../src/facts/quick_sums.ts";
import { artifactSumsFact } from "../release/store.ts";
import type { Artifacts } from "../../src/app/artifacts.ts";
import type { AppSpec } from "../../src/app/spec.ts";
import { sh } from "../../src/transport/quote.ts";
import { attributesChange, cleaning, ownerOf } from "./context.ts";

/**
 * `install`: the artifacts of the host's profiles (binaries), each in its directory with its
 * mode, sent only when their checksum differs; the app's artifacts of other profiles are removed.
 */
export function binariesStep(
  spec: AppSpec,
  artifacts: Artifacts,
  options: { checksum?: boolean } = {},
): Step {
  const { app } = spec;
  const wanted = app.artifactsFor(spec.profiles);
  const all = app.artifacts.map((name) => app.artifactPath(spec.prefix, name));
  const states = pathsFact(all);
  // A rerun hashes only what changed since muster recorded it (see quick_sums.ts); --checksum, all.
  const record = recordPath(app.name, spec.prefix);
  const sums = artifactSumsFact(spec, options);
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
        const artifact = artifacts.files.get(name);
        if (!artifact) throw new InstallError(`No build artifact for ${name}`);
        const dest = app.artifactPath(spec.prefix, name);
        const mode = app.artifactMode(name);
        const state = found.get(dest);
        const upload = {
          kind: "upload" as const,
          source: artifact.path,
          sha256: artifact.sha256,
          dest,
          mode,
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
          const change = attributesChange(dest, state, { mode, owner });
          if (change) changes.push(change);
        }
      }
      for (const name of app.artifacts) {
        const dest = app.artifactPath(spec.prefix, name);
        if (!wanted.includes(name) && found.has(dest)) {
          changes.push({
            action: "remove",
            target: dest,
            detail: "not part of this host's profiles",
            ops: [shOp(sh`rm -f -- ${dest}`)],
          });
        }
      }
      // Once the files are as wanted, record them: the next run hashes only what changes after.
      const known = wanted.map((name) => ({
        path: app.artifactPath(spec.prefix, name),
        sha256: artifacts.files.get(name)!.sha256,
      }));
      const last = changes.findLast((change) => change.ops.length > 0);
      if (last && known.every((file) => file.sha256)) {
        last.ops.push(writeOp(recordSums(known, record), record));
      }
      return changes;
    },
    verify() {
      return wanted.filter((name) => app.artifactMode(name) & 0o111).map((name) => {
        const bin = app.artifactPath(spec.prefix, name);
        return sh`${bin} --version >/dev/null 2>&1 || [ -x ${bin} ] || { echo ${`${bin} does not run`} >&2; exit 1; }`;
      }).join("\n") || undefined;
    },
  };
}

function short(sha: string): string {
  return sha ? sha.slice(0, 12) : "unknown";
}
