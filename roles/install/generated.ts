import { parse } from "yaml";
import { UsageError } from "../../src/engine/errors.ts";
import type { Step } from "../../src/engine/step.ts";
import { contentFact, pathsFact } from "../../src/facts/files.ts";
import { paths } from "../../src/flame/layout.ts";
import type { FlameSpec } from "../../src/flame/spec.ts";
import { sh } from "../../src/transport/quote.ts";
import { cleaning, ownerOf } from "./context.ts";
import { clusterConfig, flmenv } from "./templates.ts";
import { sha256Hex, textFileChanges } from "./text_file.ts";

/** `install`: `sbin/flmenv.sh`, always kept as generated. */
export function flmenvStep(spec: FlameSpec): Step {
  const path = paths(spec.prefix).flmenv;
  const content = contentFact(path);
  const state = pathsFact([path]);
  return {
    role: "install",
    name: "flmenv",
    exitCode: 3,
    facts: [content, state],
    plan(facts) {
      const clean = cleaning(facts, spec);
      return textFileChanges(
        { path, content: flmenv(spec), mode: 0o755, owner: ownerOf(facts, spec) },
        clean ? undefined : facts.get(content),
        clean ? undefined : facts.get(state).get(path),
      );
    },
  };
}

/**
 * `install`: `conf/flame-cluster.yaml`, generated when missing. Plain install never
 * overwrites an existing file unless `--clean` (a file that differs from the template shows
 * as a diff and is kept). With `managed` (`install --repair`, `status`) the file is the
 * inventory's wanted state: one that differs is replaced.
 */
export function configStep(spec: FlameSpec, options: { managed?: boolean } = {}): Step {
  const path = paths(spec.prefix).config;
  const content = contentFact(path);
  const state = pathsFact([path]);
  const wanted = clusterConfig(spec);
  return {
    role: "install",
    name: "config",
    exitCode: 3,
    facts: [content, state],
    plan(facts) {
      const clean = cleaning(facts, spec);
      const current = clean ? undefined : facts.get(content);
      if (current !== undefined && !options.managed) checkConfig(path, current);
      const changes = textFileChanges(
        {
          path,
          content: wanted,
          mode: 0o644,
          owner: ownerOf(facts, spec),
          keep: !options.managed,
          keepReason: "kept: the file on the host differs from the template (use --clean to regenerate)",
        },
        current,
        clean ? undefined : facts.get(state).get(path),
      );
      if (!options.managed) return changes;
      return changes.map((change) =>
        change.action === "change" && change.diff
          ? { ...change, detail: "differs from the configuration the inventory describes" }
          : change
      );
    },
    verify(facts) {
      const kept = !options.managed && !cleaning(facts, spec) ? facts.get(content) : undefined;
      const sum = sha256Hex(new TextEncoder().encode(kept ?? wanted));
      return sh`printf '%s  %s\\n' ${sum} ${path} | sha256sum -c --quiet >/dev/null 2>&1 || ` +
        sh`{ echo ${`${path} is not the configuration that was written`} >&2; exit 1; }`;
    },
  };
}

/** Throws when an existing configuration does not parse or lacks `cluster.endpoint`. */
export function checkConfig(path: string, text: string): void {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new UsageError(`Invalid configuration ${path}: ${(error as Error).message.split("\n")[0]}`, {
      hint: "fix the file, or regenerate it with --clean",
    });
  }
  const cluster = (doc as { cluster?: { endpoint?: unknown } } | null)?.cluster;
  if (typeof cluster?.endpoint !== "string") {
    throw new UsageError(`Invalid configuration ${path}: cluster.endpoint is missing`, {
      hint: "fix the file, or regenerate it with --clean",
    });
  }
}
