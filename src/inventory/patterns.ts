/**
 * Ansible's host patterns: names, globs (`web*`), groups, unions (`a:b`, `a,b`),
 * intersections (`a:&b`), exclusions (`a:!b`), regular expressions (`~web\d+`),
 * subscripts (`web[0]`, `web[1:3]`), files of patterns (`@file`) and `all`/`*`.
 */

import { UsageError } from "../engine/errors.ts";
import { HostPatternError, LOCALHOST_NAMES, parseAddress } from "./host_range.ts";
import type { Inventory, InventoryGroup, InventoryHost } from "./types.ts";

const SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/s;

/**
 * Splits a pattern into single patterns as Ansible's `split_host_pattern` does: on commas
 * if there are any, else on colons outside brackets (unless the whole pattern is one
 * host address, such as an IPv6 address or `web[1:3]`).
 *
 * @example
 * ```ts
 * import { splitPattern } from "./patterns.ts";
 * splitPattern("web:&prod:!web3"); // => ["web", "&prod", "!web3"]
 * ```
 */
export function splitPattern(pattern: string): string[] {
  let parts: string[];
  if (pattern.includes(",")) {
    parts = pattern.split(",");
  } else {
    try {
      parseAddress(pattern, true);
      parts = [pattern];
    } catch (error) {
      if (!(error instanceof HostPatternError)) throw error;
      parts = pattern.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? [];
    }
  }
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

/** Python's `fnmatch.translate` as a JavaScript regular expression (whole-string match). */
function globToRegExp(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") {
      out += "[\\s\\S]*";
    } else if (c === "?") {
      out += "[\\s\\S]";
    } else if (c === "[") {
      let j = i + 1;
      if (glob[j] === "!") j++;
      if (glob[j] === "]") j++;
      while (j < glob.length && glob[j] !== "]") j++;
      if (j >= glob.length) {
        out += "\\[";
      } else {
        let body = glob.slice(i + 1, j).replaceAll("\\", "\\\\");
        if (body[0] === "!") body = "^" + body.slice(1);
        else if (body[0] === "^") body = "\\" + body;
        out += `[${body}]`;
        i = j;
      }
    } else {
      out += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    }
  }
  return new RegExp(`^(?:${out})$`);
}

function matcher(pattern: string): (name: string) => boolean {
  if (pattern.startsWith("~")) {
    // Python's re.match: anchored at the start only. Named groups use JavaScript's syntax.
    const source = pattern.slice(1).replace(/\(\?P</g, "(?<").replace(/\(\?P=(\w+)\)/g, "\\k<$1>");
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${source})`);
    } catch {
      throw new UsageError(`Invalid host list pattern: ${pattern}`);
    }
    return (name) => re.test(name);
  }
  const re = globToRegExp(pattern);
  return (name) => re.test(name);
}

class Selector {
  readonly #hostsOfGroup = new Map<string, InventoryHost[]>();
  constructor(readonly inventory: Inventory) {}

  /** Hosts of a group and of every group below it, in Ansible's order. */
  groupHosts(name: string): InventoryHost[] {
    const cached = this.#hostsOfGroup.get(name);
    if (cached) return cached;
    const groups = this.inventory.groups;
    const start = groups.get(name)!;
    const ordered: InventoryGroup[] = [start, ...start.children.map((c) => groups.get(c)!)];
    const seen = new Set<InventoryGroup>();
    let level = [...ordered];
    while (level.length > 0) {
      for (const g of level) seen.add(g);
      const next: InventoryGroup[] = [];
      for (const g of level) {
        for (const c of g.children) {
          const child = groups.get(c)!;
          if (!next.includes(child)) next.push(child);
          if (!seen.has(child)) ordered.push(child);
        }
      }
      level = next.filter((g) => !seen.has(g));
    }
    const hosts = new Set<InventoryHost>();
    for (const g of ordered) {
      for (const h of g.hosts) {
        const host = this.inventory.hosts.get(h);
        if (host) hosts.add(host);
      }
    }
    const list = [...hosts];
    this.#hostsOfGroup.set(name, list);
    return list;
  }

  /** The implicit localhost Ansible makes up for `localhost`, `127.0.0.1` or `::1`. */
  implicitLocalhost(name: string): InventoryHost | undefined {
    if (!LOCALHOST_NAMES.includes(name)) return undefined;
    for (const host of this.inventory.hosts.values()) {
      if (LOCALHOST_NAMES.includes(host.name)) return host;
    }
    const local = this.inventory.localhost;
    return local && { ...local, name };
  }

  /** Hosts matching one pattern without its `&`/`!` prefix; undefined when nothing matches. */
  matchOne(pattern: string): InventoryHost[] | undefined {
    let expr = pattern;
    let subscript: [number, number | undefined] | undefined;
    const m = pattern.startsWith("~") ? null : SUBSCRIPT.exec(pattern);
    if (m) {
      expr = m[1];
      if (m[2] !== undefined) subscript = [parseInt(m[2], 10), undefined];
      else subscript = [parseInt(m[3], 10), m[5] ? parseInt(m[5], 10) : -1];
    }
    const matches = matcher(expr);
    const results: InventoryHost[] = [];
    const groups = [...this.inventory.groups.keys()].filter(matches);
    for (const g of groups) results.push(...this.groupHosts(g));
    if (groups.length === 0 || expr.startsWith("~") || /[.?*[]/.test(expr)) {
      for (const host of this.inventory.hosts.values()) if (matches(host.name)) results.push(host);
    }
    if (results.length === 0) {
      const local = this.implicitLocalhost(expr);
      if (local) results.push(local);
    }
    if (results.length === 0 && groups.length === 0 && expr !== "all") return undefined;
    return applySubscript(results, subscript, pattern);
  }
}

function applySubscript(
  hosts: InventoryHost[],
  subscript: [number, number | undefined] | undefined,
  pattern: string,
): InventoryHost[] {
  if (!subscript || hosts.length === 0) return hosts;
  const [start, end] = subscript;
  // As in Ansible, an end of 0 means "no end": `web[2:0]` is `web[2]`.
  if (end) return hosts.slice(start, (end === -1 ? hosts.length - 1 : end) + 1);
  const index = start < 0 ? hosts.length + start : start;
  if (index < 0 || index >= hosts.length) {
    throw new UsageError(`No hosts matched the subscripted pattern '${pattern}'`);
  }
  return [hosts[index]];
}

function readPatternFile(path: string): string[] {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new UsageError(`Unable to find limit file ${path}`);
    if (error instanceof Deno.errors.IsADirectory) {
      throw new UsageError(`Limit starting with "@" must be a file, not a directory: ${path}`);
    }
    throw error;
  }
  return text.split("\n").map((line) => line.trim());
}

/** Options of `selectHosts`. */
export interface SelectHostsOptions {
  /**
   * Called with each part of the pattern that matches no host and no group, instead of
   * throwing; a pattern that selects no hosts then gives an empty list. This is what
   * Ansible does (it warns `Could not match supplied host pattern, ignoring: web9`).
   * @default undefined (throw a `UsageError`)
   */
  onUnmatched?: (pattern: string) => void;
}

/**
 * Selects the hosts a pattern names, in the order `ansible PATTERN --list-hosts` prints
 * them: plain patterns first (in the order given), then `&` intersections, then `!`
 * exclusions. A pattern (or a part of one) that matches no host and no group is a
 * `UsageError` naming it, where Ansible only warns (unless `onUnmatched` is given). No
 * pattern means `all`, but an empty inventory is not an error then.
 *
 * @example
 * ```ts ignore
 * import { selectHosts } from "./patterns.ts";
 * selectHosts(inventory, "webservers:&prod:!web3").map((h) => h.name);
 * ```
 */
export function selectHosts(
  inventory: Inventory,
  pattern?: string,
  options: SelectHostsOptions = {},
): InventoryHost[] {
  if (pattern === undefined) return new Selector(inventory).groupHosts("all");
  const patterns: string[] = [];
  for (const part of splitPattern(pattern)) {
    if (part.startsWith("@")) patterns.push(...readPatternFile(part.slice(1)));
    else patterns.push(part);
  }
  const regular = patterns.filter((p) => p && p[0] !== "&" && p[0] !== "!");
  const ordered = [
    ...(regular.length > 0 ? regular : ["all"]),
    ...patterns.filter((p) => p[0] === "&"),
    ...patterns.filter((p) => p[0] === "!"),
  ];
  const selector = new Selector(inventory);
  let hosts: InventoryHost[] = [];
  for (const p of ordered) {
    const exact = inventory.hosts.get(p);
    if (exact) {
      if (!hosts.includes(exact)) hosts.push(exact);
      continue;
    }
    const that = selector.matchOne(p[0] === "&" || p[0] === "!" ? p.slice(1) : p);
    if (that === undefined && options.onUnmatched) {
      options.onUnmatched(p[0] === "&" || p[0] === "!" ? p.slice(1) : p);
      continue;
    }
    if (that === undefined) {
      throw new UsageError(
        `Host pattern '${p}' matches no host or group${pattern === p ? "" : ` (in '${pattern}')`}`,
        {
          hint: "Check the name against `muster inventory --graph`",
        },
      );
    }
    if (p[0] === "!") {
      const names = new Set(that.map((h) => h.name));
      hosts = hosts.filter((h) => !names.has(h.name));
    } else if (p[0] === "&") {
      const names = new Set(that.map((h) => h.name));
      hosts = hosts.filter((h) => names.has(h.name));
    } else {
      const names = new Set(hosts.map((h) => h.name));
      for (const h of that) {
        if (!names.has(h.name)) {
          hosts.push(h);
          names.add(h.name);
        }
      }
    }
  }
  if (hosts.length === 0 && !options.onUnmatched) {
    throw new UsageError(`Host pattern '${pattern}' selects no hosts`, {
      hint: "Check the name against `muster inventory --graph`",
    });
  }
  return hosts;
}
