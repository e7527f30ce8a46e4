/**
 * Templates in Jinja2 syntax (nunjucks), as Ansible users write them: `{{ var }}`,
 * filters, `{% if %}`, `{% for %}`. An undefined variable is an error naming the template,
 * its line and column, never an empty string.
 */
import nunjucks from "nunjucks";
import { UsageError } from "../engine/errors.ts";
import { PyFloat } from "../inventory/float.ts";

// nunjucks writes a value with `output += value`, which takes a float's number (`8`); as
// Jinja2 prints what Python prints, a float that Ansible keeps as 8.0 is written as 8.0.
const runtime =
  (nunjucks as unknown as { runtime: { suppressValue: (value: unknown, escape: boolean) => unknown } })
    .runtime;
const suppressValue = runtime.suppressValue;
runtime.suppressValue = (value, escape) =>
  suppressValue(value instanceof PyFloat ? value.toString() : value, escape);

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
    return shared.renderString(template, context);
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    const message = error.message.replace(/^\(unknown path\)\s*/, "").replace(/\s+/g, " ").trim();
    throw new UsageError(`Cannot render ${name}: ${message}`, {
      hint: "every variable a template uses must be set in the inventory, with -e, or have a default",
    });
  }
}
