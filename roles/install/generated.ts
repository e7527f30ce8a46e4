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
 * `install`: `conf/flame-cluster.yaml`, generated when missing and never overwritten
 * unless `--clean`; an existing file that differs from the template shows as a diff.
 */
export function configStep(spec: FlameSpec): Step {
  const path = paths(spec.prefix).config;
  const content = contentFact(path);
  const state = pathsFact([path]);
  return {
    role: "install",
    name: "config",
    exitCode: 3,
    facts: [content, state],
    plan(facts) {
      const clean = cleaning(facts, spec);
      const current = clean ? undefined : facts.get(content);
      if (current !== undefined) checkConfig(path, current);
      return textFileChanges(
        {
          path,
          content: clusterConfig(spec),
          mode: 0o644,
          owner: ownerOf(facts, spec),
          keep: true,
          keepReason: "kept: the file on the host differs from the template (use --clean to regenerate)",
        },
        current,
        clean ? undefined : facts.get(state).get(path),
      );
    },
    verify(facts) {
      const current = cleaning(facts, spec) ? undefined : facts.get(content);
      const sum = sha256Hex(new TextEncoder().encode(current ?? clusterConfig(spec)));
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
