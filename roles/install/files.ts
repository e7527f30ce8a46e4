import { parse } from "yaml";
import { UsageError } from "../../src/engine/errors.ts";
import type { Fact, Facts } from "../../src/engine/fact.ts";
import type { Step } from "../../src/engine/step.ts";
import { contentFact, pathsFact } from "../../src/facts/files.ts";
import type { FileDecl } from "../../src/app/definition.ts";
import { parseMode } from "../../src/app/app.ts";
import { overlay, render } from "../../src/template/render.ts";
import type { AppSpec } from "../../src/app/spec.ts";
import { sh } from "../../src/transport/quote.ts";
import { EXACT_COMPARE_BYTES, holdsExactly } from "../../src/engine/read_text.ts";
import { cleaning, ownerOf } from "./context.ts";
import { sha256Hex, textFileChanges } from "./text_file.ts";

/** The app's host facts (`facts:` in app.yaml), each a command whose trimmed output templates see. */
export function appFacts(spec: AppSpec): Map<string, Fact<string>> {
  const facts = new Map<string, Fact<string>>();
  for (const [name, template] of Object.entries(spec.app.definition.facts ?? {})) {
    const command = render(template, spec.vars, `${spec.app.file}: facts.${name}`);
    // The app's own shell runs in a subshell: whatever it does to the shell stays there.
    facts.set(name, {
      key: `app-fact:${command}`,
      command: `(${command}\n)`,
      parse: (output) => output.trim(),
    });
  }
  return facts;
}

/** What a template sees on a host: the spec's variables and the app's facts as `facts.NAME`. */
export function templateContext(spec: AppSpec, facts: Facts): Record<string, unknown> {
  const values: Record<string, string> = {};
  for (const [name, fact] of appFacts(spec)) values[name] = facts.get(fact);
  return overlay(spec.vars, { facts: values });
}

/**
 * `install`: one file of the app rendered from its template. A `managed` file is always as
 * rendered. A `keep` file (a configuration) is written when missing and never overwritten
 * unless `--clean` (a file that differs shows as a diff and is kept); with `managed`
 * (`install --repair`, `status`) it is the inventory's wanted state, and one that differs is replaced.
 */
export function fileStep(spec: AppSpec, file: FileDecl, options: { managed?: boolean } = {}): Step {
  const path = `${spec.prefix}/${file.path}`;
  const content = contentFact(path);
  const state = pathsFact([path]);
  const keep = file.policy === "keep";
  const managed = !keep || options.managed;
  const wanted = (facts: Facts) =>
    render(
      spec.app.template(file.template),
      templateContext(spec, facts),
      `${spec.app.dir}/templates/${file.template}`,
    );
  return {
    role: "install",
    name: file.id,
    exitCode: 3,
    facts: [content, state, ...appFacts(spec).values()],
    plan(facts) {
      const clean = cleaning(facts, spec);
      const current = clean ? undefined : facts.get(content);
      if (current !== undefined && !managed && file.check) checkFile(path, current, file.check);
      const changes = textFileChanges(
        {
          path,
          content: wanted(facts),
          mode: parseMode(file.mode ?? "0644"),
          owner: ownerOf(facts, spec),
          keep: !managed,
          keepReason:
            "kept: the file on the host differs from the template, which the inventory now asks for; " +
            "`muster install --repair` rewrites it (--clean regenerates everything)",
        },
        current,
        clean ? undefined : facts.get(state).get(path),
      );
      if (!keep || !options.managed) return changes;
      return changes.map((change) =>
        change.action === "change" && change.diff
          ? { ...change, detail: "differs from the configuration the inventory describes" }
          : change
      );
    },
    verify(facts) {
      const kept = !managed && !cleaning(facts, spec) ? facts.get(content) : undefined;
      const text = kept ?? wanted(facts);
      const fail = sh`{ echo ${`${path} is not the ${
        file.kind === "config" ? "configuration" : "file"
      } that was written`} >&2; exit 1; }`;
      // A small text is compared by the shell itself; else its sum's line is a here-document
      // that the shell writes to sha256sum, no printf of its own.
      const bytes = new TextEncoder().encode(text);
      if (bytes.length <= EXACT_COMPARE_BYTES && !text.includes("\0")) {
        return `${holdsExactly(path, text)} || ${fail}`;
      }
      return `sha256sum -c --quiet >/dev/null 2>&1 <<'MUSTER_SUM' || ${fail}\n${
        sha256Hex(bytes)
      }  ${path}\nMUSTER_SUM`;
    },
  };
}

/** Throws when a kept file does not parse as its format, or lacks a required (dotted) key. */
export function checkFile(path: string, text: string, check: NonNullable<FileDecl["check"]>): void {
  const fail = (why: string) =>
    new UsageError(`Invalid configuration ${path}: ${why}`, {
      hint: "fix the file, or regenerate it with --clean",
    });
  let doc: unknown;
  try {
    doc = check.format === "json" ? JSON.parse(text) : parse(text);
  } catch (error) {
    throw fail((error as Error).message.split("\n")[0]);
  }
  for (const key of check.require ?? []) {
    const value = key.split(".").reduce<unknown>(
      (node, part) => node && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined,
      doc,
    );
    if (value === undefined || value === null || typeof value === "object") throw fail(`${key} is missing`);
  }
}
