/**
 * Loads an application: a built-in one by name (`apps/NAME/`) or a directory holding
 * `app.yaml`, `templates/` and optionally a TypeScript module. The definition is checked
 * against the schema; an error names the file, line and column and what was expected.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isMap, isSeq, LineCounter, parseDocument } from "yaml";
import type { ZodError } from "zod";
import { InventoryError, UsageError } from "../engine/errors.ts";
import { didYouMean } from "../inventory/suggest.ts";
import { App, type AppModule } from "./app.ts";
import { type AppDefinition, appSchema } from "./definition.ts";

/** Where the built-in applications live. */
export const BUILTIN_APPS = fileURLToPath(new URL("../../apps/", import.meta.url));

/** The names of the built-in applications. */
export function builtinApps(): string[] {
  const names: string[] = [];
  for (const entry of Deno.readDirSync(BUILTIN_APPS)) {
    if (entry.isDirectory && existsSync(join(BUILTIN_APPS, entry.name, "app.yaml"))) names.push(entry.name);
  }
  return names.sort();
}

const loaded = new Map<string, Promise<App>>();

/**
 * Loads `nameOrPath`: a built-in app's name, or a directory with an `app.yaml`. Loaded once
 * per process. Throws a `UsageError` for an unknown app, an `InventoryError` (with
 * file:line:col) for a bad definition.
 */
export function loadApp(nameOrPath = "flame"): Promise<App> {
  let dir: string;
  try {
    dir = appDir(nameOrPath);
  } catch (error) {
    return Promise.reject(error);
  }
  let app = loaded.get(dir);
  if (!app) {
    app = readApp(dir);
    loaded.set(dir, app);
    app.catch(() => loaded.delete(dir));
  }
  return app;
}

function appDir(nameOrPath: string): string {
  if (nameOrPath.includes("/") || nameOrPath.startsWith(".")) {
    const dir = resolve(nameOrPath);
    if (!existsSync(join(dir, "app.yaml"))) {
      throw new UsageError(`Not an application: ${dir} has no app.yaml`, {
        hint: "pass --app with a built-in app's name or a directory holding app.yaml",
      });
    }
    return dir;
  }
  const names = builtinApps();
  if (!names.includes(nameOrPath)) {
    throw new UsageError(`Unknown application '${nameOrPath}'${didYouMean(nameOrPath, names)}`, {
      hint: `built-in applications: ${names.join(", ")}; or pass a directory holding app.yaml`,
    });
  }
  return join(BUILTIN_APPS, nameOrPath);
}

async function readApp(dir: string): Promise<App> {
  const file = join(dir, "app.yaml");
  const definition = parseDefinition(await Deno.readTextFile(file), file);
  const templates = new Map<string, string>();
  const templateDir = join(dir, "templates");
  if (existsSync(templateDir)) {
    for (const entry of Deno.readDirSync(templateDir)) {
      if (entry.isFile) templates.set(entry.name, await Deno.readTextFile(join(templateDir, entry.name)));
    }
  }
  let module: AppModule = {};
  if (definition.module) {
    const path = join(dir, definition.module);
    module = await import(pathToFileURL(path).href) as AppModule;
  }
  return new App(definition, { dir, file, templates, module });
}

/** Parses and checks an `app.yaml` text; `file` names it in errors. */
export function parseDefinition(text: string, file: string): AppDefinition {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return { file, line, col };
  };
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    throw new InventoryError(
      `Invalid application definition: ${error.message.split("\n")[0]}`,
      at(error.pos[0]),
    );
  }
  const result = appSchema.safeParse(doc.toJS());
  if (!result.success) throw definitionError(result.error, doc, at);
  const definition = result.data;
  checkReferences(definition, (path) => at(nodeAt(doc, path)?.range?.[0] ?? 0));
  return definition;
}

type At = (offset: number) => { file: string; line: number; col: number };

/** The YAML node at a path; with `key`, the key of the last mapping entry rather than its value. */
function nodeAt(doc: ReturnType<typeof parseDocument>, path: readonly PropertyKey[], key = false) {
  // deno-lint-ignore no-explicit-any
  let node: any = doc.contents;
  let last = node;
  for (const [i, part] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((item) =>
        String((item.key as { value?: unknown })?.value) === String(part)
      );
      if (!pair) break;
      last = pair.key;
      if (key && i === path.length - 1) break;
      node = pair.value;
    } else if (isSeq(node)) {
      node = node.items[Number(part)];
    } else break;
    if (node) last = node;
  }
  return last as { range?: [number, number, number] } | undefined;
}

function definitionError(error: ZodError, doc: ReturnType<typeof parseDocument>, at: At): InventoryError {
  const issue = error.issues[0];
  const where = issue.path.join(".") || "(top level)";
  let message = issue.message;
  if (issue.code === "unrecognized_keys") {
    const allowed = allowedKeys(issue.path);
    message = `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")}` +
      (allowed.length ? didYouMean(issue.keys[0], allowed) : "");
  }
  const node = issue.code === "unrecognized_keys"
    ? nodeAt(doc, [...issue.path, issue.keys[0]], true)
    : nodeAt(doc, issue.path);
  return new InventoryError(
    `Invalid application definition at ${where}: ${message}`,
    at(node?.range?.[0] ?? 0),
    {
      hint: "`muster apps --schema` prints the definition's JSON Schema",
    },
  );
}

function allowedKeys(path: readonly PropertyKey[]): string[] {
  // deno-lint-ignore no-explicit-any
  let schema: any = appSchema;
  for (const key of path) {
    const def = schema?._zod?.def;
    if (def?.type === "object") schema = def.shape[key as string];
    else if (def?.type === "array") schema = def.element;
    else if (def?.type === "record") schema = def.valueType;
    else if (def?.type === "optional" || def?.type === "default") schema = def.innerType;
    else return [];
    while (["optional", "default"].includes(schema?._zod?.def?.type)) schema = schema._zod.def.innerType;
  }
  const def = schema?._zod?.def;
  return def?.type === "object" ? Object.keys(def.shape) : [];
}

/** Names that point at other parts of the definition must exist. */
function checkReferences(
  app: AppDefinition,
  at: (path: PropertyKey[]) => { file: string; line: number; col: number },
) {
  const fail = (path: PropertyKey[], message: string, known: string[]) => {
    throw new InventoryError(`Invalid application definition at ${path.join(".")}: ${message}`, at(path), {
      hint: known.length ? `known: ${known.join(", ")}` : undefined,
    });
  };
  const artifacts = Object.keys(app.artifacts);
  const packages = Object.keys(app.packages ?? {});
  const services = (app.services ?? []).map((service) => service.name);
  const wheels = (app.build.wheels ?? []).map((wheel) => wheel.name);
  if (!(app.profiles.var in app.vars)) {
    fail(["profiles", "var"], `'${app.profiles.var}' is not a declared variable`, Object.keys(app.vars));
  }
  for (const [profile, wants] of Object.entries(app.profiles.of)) {
    const check = (kind: "artifacts" | "packages" | "services", known: string[]) =>
      (wants[kind] ?? []).forEach((name, i) => {
        if (!known.includes(name)) {
          fail(
            ["profiles", "of", profile, kind, i],
            `'${name}' is not one of the app's ${kind}${didYouMean(name, known)}`,
            known,
          );
        }
      });
    check("artifacts", artifacts);
    check("packages", packages);
    check("services", services);
  }
  for (const [name, artifact] of Object.entries(app.artifacts)) {
    if (artifact.from === "cargo" && !app.build.cargo) {
      fail(["artifacts", name, "from"], `'${name}' comes from cargo, but build.cargo is not true`, []);
    }
  }
  for (const [name, pkg] of Object.entries(app.packages ?? {})) {
    if (!wheels.includes(pkg.wheel)) {
      fail(["packages", name, "wheel"], `'${pkg.wheel}' is not a wheel of build.wheels`, wheels);
    }
  }
  (app.services ?? []).forEach((service, i) => {
    (service.after ?? []).forEach((other, j) => {
      if (!services.slice(0, i).includes(other)) {
        fail(
          ["services", i, "after", j],
          `'${other}' is not a service listed before '${service.name}'`,
          services,
        );
      }
    });
  });
}
