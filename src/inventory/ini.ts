/**
 * Ansible's INI inventory format: `[group]` sections of host lines (`name key=value ...`),
 * `[group:vars]` of `key=value` lines, `[group:children]` of group names. Values are typed
 * by Python's `literal_eval`; host lines are split as `shlex` splits them.
 */

import { InventoryError, type SourcePosition } from "../engine/errors.ts";
import { expandHostPattern, HostPatternError } from "./host_range.ts";
import type { InventoryData } from "./inventory_data.ts";
import { literalEval } from "./python_literal.ts";
import { ShlexError, shlexSplit } from "./shlex.ts";

const SECTION = /^\[([^:\]\s]+)(?::([\p{L}\p{N}_]+))?\]\s*(?:#.*)?$/u;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/u;
/** Python's `str.splitlines` boundaries. */
// deno-lint-ignore no-control-regex
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

/** A value of an INI inventory, typed as Ansible types it. */
export function iniValue(text: string): unknown {
  const result = literalEval(text);
  return result.ok ? result.value : text;
}

interface Pending {
  at: SourcePosition;
  state: "vars" | "children";
  name: string;
  parents: string[];
}

/**
 * Reads an INI inventory into `data`, as Ansible's `ini` inventory plugin does. Throws
 * `InventoryError` with the file, line and column of the first problem.
 *
 * @example
 * ```ts
 * import { InventoryData } from "./inventory_data.ts";
 * import { parseIni } from "./ini.ts";
 * const data = new InventoryData();
 * parseIni("[web]\nweb[1:2] http_port=8080\n", "hosts", data);
 * [...data.hosts.keys()]; // => ["web1", "web2"]
 * ```
 */
export function parseIni(text: string, file: string, data: InventoryData): void {
  const pending = new Map<string, Pending>();
  let group = "ungrouped";
  let state = "hosts";
  const lines = text.split(LINE_BREAK);
  for (let i = 0; i < lines.length; i++) {
    const original = lines[i];
    const line = original.trim();
    if (line === "" || line[0] === "#" || line[0] === ";") continue;
    const lead = original.length - original.trimStart().length;
    const at = (offset = 0): SourcePosition => ({ file, line: i + 1, col: lead + offset + 1 });

    const section = SECTION.exec(line);
    if (section) {
      group = section[1];
      state = section[2] ?? "hosts";
      if (!["hosts", "children", "vars"].includes(state)) {
        throw new InventoryError(
          `Section [${group}:${state}] has unknown type '${state}': expected [${group}], [${group}:vars] or [${group}:children]`,
          at(),
        );
      }
      if (!data.groups.has(group)) {
        // [group:vars] alone does not declare a group; it must be declared in this file.
        if (state === "vars" && !pending.has(group)) {
          pending.set(group, { at: at(), state: "vars", name: group, parents: [] });
        }
        data.addGroup(group, at(1));
      }
      const waiting = pending.get(group);
      if (waiting && state !== "vars") {
        if (waiting.state === "children") addPendingChildren(data, group, pending);
        else pending.delete(group);
      }
      continue;
    }
    if (line.startsWith("[") && line.endsWith("]")) {
      throw new InventoryError(
        `Invalid section entry '${line}': expected [group], [group:vars] or [group:children], with no spaces`,
        at(),
      );
    }

    if (state === "hosts") {
      parseHostLine(line, at, group, data);
    } else if (state === "vars") {
      const eq = line.indexOf("=");
      if (eq < 0) throw new InventoryError(`Expected key=value in [${group}:vars], got: ${line}`, at());
      const key = line.slice(0, eq).trim();
      data.setVariable(group, key, iniValue(line.slice(eq + 1).trim()), at());
    } else {
      const m = GROUP_NAME.exec(line);
      if (!m) throw new InventoryError(`Expected a group name in [${group}:children], got: ${line}`, at());
      const child = m[1];
      if (!data.groups.has(child)) {
        const waiting = pending.get(child);
        if (waiting) waiting.parents.push(group);
        else pending.set(child, { at: at(), state: "children", name: child, parents: [group] });
      } else {
        data.addChild(group, child, at());
      }
    }
  }
  for (const decl of pending.values()) {
    if (decl.state === "vars") {
      throw new InventoryError(
        `Section [${decl.name}:vars] is for an undefined group: expected a [${decl.name}] or [${decl.name}:children] section`,
        decl.at,
      );
    }
    throw new InventoryError(
      `Section [${decl.parents.at(-1)}:children] includes undefined group '${decl.name}': ` +
        `expected a [${decl.name}] or [${decl.name}:children] section`,
      decl.at,
    );
  }
}

function addPendingChildren(data: InventoryData, group: string, pending: Map<string, Pending>): void {
  const decl = pending.get(group)!;
  for (const parent of decl.parents) {
    data.addChild(parent, group, decl.at);
    const up = pending.get(parent);
    if (up && up.state === "children") addPendingChildren(data, parent, pending);
  }
  pending.delete(group);
}

function parseHostLine(
  line: string,
  at: (offset?: number) => SourcePosition,
  group: string,
  data: InventoryData,
): void {
  let words;
  try {
    words = shlexSplit(line, { comments: true });
  } catch (error) {
    if (!(error instanceof ShlexError)) throw error;
    throw new InventoryError(`Invalid host definition '${line}': ${error.message}`, at(error.offset));
  }
  const [pattern, ...rest] = words;
  const patternAt = at(pattern.start);
  const hosts = expandIniPattern(pattern.value, patternAt);
  const vars: { key: string; value: unknown; at: SourcePosition }[] = [];
  for (const word of rest) {
    const eq = word.value.indexOf("=");
    if (eq < 0) {
      throw new InventoryError(
        `Expected key=value host variable assignment, got: ${word.value}`,
        at(word.start),
      );
    }
    vars.push({
      key: word.value.slice(0, eq),
      value: iniValue(word.value.slice(eq + 1)),
      at: at(word.start),
    });
  }
  for (const name of hosts.hosts) {
    data.addHost(name, group, hosts.port, patternAt);
    for (const v of vars) data.setVariable(name, v.key, v.value, v.at);
  }
}

function expandIniPattern(pattern: string, at: SourcePosition): { hosts: string[]; port?: number } {
  let result;
  try {
    result = expandHostPattern(pattern);
  } catch (error) {
    if (!(error instanceof HostPatternError)) throw error;
    throw new InventoryError(`Invalid host pattern '${pattern}': ${error.message}`, at);
  }
  if (pattern.trim().endsWith(":") && result.port === undefined) {
    throw new InventoryError(
      `Invalid host pattern '${pattern}': a trailing ':' must be followed by a port number`,
      at,
    );
  }
  if (result.hosts.some((h) => h.trim() === "---")) {
    throw new InventoryError(`Invalid host pattern '---': this looks like a YAML file`, at);
  }
  if (result.hosts.length === 0) {
    throw new InventoryError(
      `Host range '${pattern}' expands to no hosts: expected begin <= end and a positive step`,
      at,
    );
  }
  return result;
}
