/**
 * Templates in Jinja2 syntax (nunjucks), as Ansible users write them: `{{ var }}`,
 * filters, `{% if %}`, `{% for %}`. An undefined variable is an error naming the template,
 * its line and column, never an empty string.
 */
import nunjucks from "nunjucks";
import { MusterError, UsageError } from "../engine/errors.ts";
import { PyFloat } from "../inventory/float.ts";

// nunjucks writes a value with `output += value`, which takes a float's number (`8`); as
// Jinja2 prints what Python prints, a float that Ansible keeps as 8.0 is written as 8.0.
const runtime =
  (nunjucks as unknown as { runtime: { suppressValue: (value: unknown, escape: boolean) => unknown } })
    .runtime;
const suppressValue = runtime.suppressValue;
// A list or a mapping prints as JSON (Jinja2 prints Python's repr), so a variable that is one
// (`{{ groups['workers'] }}`) reads back as the same value.
runtime.suppressValue = (value, escape) => suppressValue(printable(value), escape);

function printable(value: unknown): unknown {
  if (value instanceof PyFloat) return value.toString();
  const plain = value !== null && typeof value === "object" &&
    Object.getPrototypeOf(value) === Object.prototype;
  return Array.isArray(value) || plain ? JSON.stringify(value) : value;
}

/**
 * A template context: `values` over `base`, without reading `base`'s values (they may be
 * evaluated on demand). Spreading a context would evaluate, and lose, what it inherits.
 */
export function overlay(
  base: Record<string, unknown>,
  values: Record<string, unknown>,
): Record<string, unknown> {
  const result = Object.create(base) as Record<string, unknown>;
  for (const [key, value] of Object.entries(values)) {
    Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

/** The names a template looks up in its context (its top-level symbols), from nunjucks' own parser. */
export function namesIn(template: string): Set<string> {
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== "object") return;
    const n = node as { typename?: string; value?: unknown; children?: unknown[]; [key: string]: unknown };
    if (n.typename === "Symbol" && typeof n.value === "string") names.add(n.value);
    for (const [key, child] of Object.entries(n)) {
      if (key === "lineno" || key === "colno") continue;
      if (Array.isArray(child)) child.forEach(walk);
      else if (child && typeof child === "object") walk(child);
    }
  };
  walk((nunjucks as unknown as { parser: { parse(src: string): unknown } }).parser.parse(template));
  return names;
}

/** The filters Ansible users reach for first, beside nunjucks' own (`default`, `join`, `lower`, `int`, ...). */
function environment(): nunjucks.Environment {
  const env = new nunjucks.Environment(null, {
    autoescape: false,
    throwOnUndefined: true,
    trimBlocks: true,
    lstripBlocks: true,
  });
  env.addFilter("to_json", (value: unknown) => JSON.stringify(value));
  env.addFilter("tojson", (value: unknown) => JSON.stringify(value));
  env.addFilter("bool", (value: unknown) => ["true", "yes", "on", "1"].includes(String(value).toLowerCase()));
  env.addFilter("quote", (value: unknown) => `'${String(value).replaceAll("'", `'"'"'`)}'`);
  env.addFilter("url_host", (value: unknown) => urlPart(value, "host"));
  env.addFilter("ternary", (value: unknown, yes: unknown, no: unknown) => value ? yes : no);
  env.addFilter(
    "regex_replace",
    (value: unknown, pattern: string, replacement = "") =>
      String(value).replace(new RegExp(pattern, "g"), replacement.replace(/\\(\d)/g, "$$$1")),
  );
  env.addFilter("basename", (value: unknown) => String(value).replace(/\/+$/, "").split("/").at(-1) ?? "");
  env.addFilter("dirname", (value: unknown) => String(value).replace(/\/[^/]*$/, "") || "/");
  env.addFilter("b64encode", (value: unknown) => btoa(String(value)));
  env.addFilter("b64decode", (value: unknown) => atob(String(value)));
  env.addFilter("url_port", (value: unknown) => urlPart(value, "port"));
  return env;
}

const shared = environment();

/** Host or port of a URL (`http://h:8080`) or of `host:port`. */
export function urlPart(value: unknown, part: "host" | "port"): string | number {
  const text = String(value);
  const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `tcp://${text}`);
  if (part === "host") return url.hostname.replace(/^\[|\]$/g, "");
  const defaults: Record<string, number> = { "http:": 80, "https:": 443 };
  return Number(url.port || defaults[url.protocol] || 0);
}

/**
 * Renders a template. `name` is where it came from (a file, or `app.yaml: services[0].exec`),
 * used in the error. Throws a `UsageError` (exit 1) for a syntax error or an undefined variable.
 *
 * @example
 * ```ts
 * import { render } from "./render.ts";
 * render("port {{ p | int + 1 }}", { p: "8079" }, "example"); // => "port 8080"
 * ```
 */
export function render(template: string, context: Record<string, unknown>, name: string): string {
  try {
    // Only what the template names is read from the context: its values may be evaluated
    // on demand (inventory templates), and one the template does not use must not fail it.
    const used: Record<string, unknown> = {};
    for (const key of namesIn(template)) if (key in context) used[key] = context[key];
    return shared.renderString(template, used);
  } catch (error) {
    if (error instanceof MusterError) throw error;
    if (!(error instanceof Error)) throw error;
    const message = error.message.replace(/^\(unknown path\)\s*/, "").replace(/\s+/g, " ").trim();
    throw new UsageError(`Cannot render ${name}: ${message}`, {
      hint: "every variable a template uses must be set in the inventory, with -e, or have a default",
    });
  }
}
