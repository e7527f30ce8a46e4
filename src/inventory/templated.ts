/**
 * Jinja2 in inventory variables, as Ansible evaluates it: when muster uses a value, not when
 * it reads the inventory. `{{ other_var }}`, `{{ hostvars['h1'].ansible_host }}`,
 * `{{ groups['workers'] }}`, `group_names`, `inventory_hostname`, the common filters and
 * `lookup('env', 'X')` work, with the engine that renders application templates. What
 * cannot be evaluated is an error naming the variable, what failed and where the variable
 * was set; never a silent literal.
 */
import { InventoryError, MusterError } from "../engine/errors.ts";
import { render } from "../template/render.ts";
import type { Inventory, InventoryHost } from "./types.ts";

/** Whether a text holds Jinja2. */
export function isTemplate(value: unknown): value is string {
  return typeof value === "string" && /{{|{%/.test(value);
}

const cache = new WeakMap<Inventory, Map<string, Record<string, unknown>>>();

/**
 * The host's variables with each template evaluated on first use (getters, so an unused
 * variable with a construct muster does not support never fails a run).
 */
export function templatedVars(
  host: InventoryHost,
  inventory: Inventory,
  env: { get(key: string): string | undefined } = Deno.env,
): Record<string, unknown> {
  let hosts = cache.get(inventory);
  if (!hosts) cache.set(inventory, hosts = new Map());
  const known = hosts.get(host.name);
  if (known) return known;
  const vars: Record<string, unknown> = {};
  hosts.set(host.name, vars);
  const evaluating = new Set<string>();
  const values = new Map<string, unknown>();
  // render() reads only the names a template uses: through the prototype, only those are evaluated.
  const context = () => Object.assign(Object.create(vars), extras(host, inventory, env));
  for (const name of Object.keys(host.vars)) {
    Object.defineProperty(vars, name, {
      enumerable: true,
      configurable: true,
      get() {
        if (values.has(name)) return values.get(name);
        if (evaluating.has(name)) {
          throw new InventoryError(
            `Cannot evaluate ${name} for host '${host.name}': it refers to itself (through ${
              [...evaluating].join(" -> ")
            })`,
            host.positions?.[name],
          );
        }
        evaluating.add(name);
        try {
          const value = evaluate(host.vars[name], name, host, context);
          values.set(name, value);
          return value;
        } finally {
          evaluating.delete(name);
        }
      },
    });
  }
  return vars;
}

/** What every template sees besides the host's variables. */
function extras(host: InventoryHost, inventory: Inventory, env: { get(key: string): string | undefined }) {
  const hostvars = new Proxy({}, {
    get(_, name) {
      const other = typeof name === "string" ? inventory.hosts.get(name) : undefined;
      return other ? templatedVars(other, inventory, env) : undefined;
    },
  });
  const groups: Record<string, string[]> = {};
  for (const other of inventory.hosts.values()) {
    for (const group of other.groups) (groups[group] ??= []).push(other.name);
  }
  for (const name of inventory.groups.keys()) groups[name] ??= [];
  return {
    inventory_hostname: host.name,
    inventory_hostname_short: host.name.split(".")[0],
    group_names: host.groups.filter((group) => group !== "all" && group !== "ungrouped").sort(),
    groups,
    hostvars,
    lookup(kind: string, ...args: string[]) {
      if (kind !== "env") throw new Error(`lookup('${kind}') is not supported (only lookup('env', NAME))`);
      return args.map((name) => env.get(name) ?? "").join(",");
    },
  };
}

/** A value with its templates evaluated: strings, and strings inside lists and mappings. */
function evaluate(
  value: unknown,
  name: string,
  host: InventoryHost,
  contextFor: () => Record<string, unknown>,
): unknown {
  if (isTemplate(value)) {
    let context: Record<string, unknown> = {};
    try {
      context = contextFor();
      return typed(render(value, context, `${name} of host '${host.name}'`));
    } catch (error) {
      if (error instanceof InventoryError) throw error;
      if (!(error instanceof MusterError) && !(error instanceof Error)) throw error;
      const undefinedName = /attempted to output null or undefined/.test(error.message)
        ? [...value.matchAll(/{{\s*([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]).find((n) => !(n in context))
        : undefined;
      const why = undefinedName
        ? `'${undefinedName}' is undefined`
        : error.message.replace(/^Cannot render [^:]*: /, "");
      throw new InventoryError(
        `Cannot evaluate ${name} for host '${host.name}': ${why} (in ${JSON.stringify(value)})`,
        host.positions?.[name],
        { hint: "define the variable, or give it a default: {{ x | default('...') }}" },
      );
    }
  }
  if (Array.isArray(value)) return value.map((item) => evaluate(item, name, host, contextFor));
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, evaluate(item, name, host, contextFor)]),
    );
  }
  return value;
}

/**
 * What Ansible makes of a rendered text: a template that renders to a list, a mapping, a
 * number or a boolean literal gives that value (`"{{ groups['w'] }}"` is a list).
 */
function typed(text: string): unknown {
  const trimmed = text.trim();
  if (/^(-?\d+)$/.test(trimmed)) return Number(trimmed);
  if (trimmed === "True" || trimmed === "true") return true;
  if (trimmed === "False" || trimmed === "false") return false;
  if (/^[[{]/.test(trimmed)) {
    try {
      return JSON.parse(
        trimmed.replace(/'/g, '"').replace(/\bTrue\b/g, "true").replace(/\bFalse\b/g, "false"),
      );
    } catch {
      return text;
    }
  }
  return text;
}
