/**
 * Ansible's YAML inventory format: top-level keys are groups (usually just `all`), each
 * a mapping of `hosts`, `vars` and `children`, to any depth. A group may appear under
 * several parents and a host in several groups; host keys may be ranges.
 */

import { InventoryError, type SourcePosition } from "../engine/errors.ts";
import { expandHostPattern, HostPatternError } from "./host_range.ts";
import type { InventoryData } from "./inventory_data.ts";
import { didYouMean } from "./suggest.ts";
import { entryPosition, orderedKeys } from "./yaml_positions.ts";
import { isMapping, typeName } from "./yaml_values.ts";

const SECTIONS = ["hosts", "vars", "children"];

function an(value: unknown): string {
  const name = typeName(value);
  return /^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`;
}

class YamlInventoryReader {
  constructor(readonly file: string, readonly data: InventoryData) {}

  /** Positions of an entry, or the top of the file when the loader recorded none. */
  where(map: object, key: string): { key: SourcePosition; value: SourcePosition; raw: unknown } {
    return entryPosition(map, key) ?? {
      key: { file: this.file, line: 1, col: 1 },
      value: { file: this.file, line: 1, col: 1 },
      raw: key,
    };
  }

  group(name: string, body: unknown, parentMap: object): string {
    const at = this.where(parentMap, name);
    if (typeof at.raw !== "string") {
      throw new InventoryError(
        `Invalid group name ${JSON.stringify(at.raw)}: expected a string (quote it)`,
        at.key,
      );
    }
    if (body !== null && !isMapping(body)) {
      throw new InventoryError(
        `Invalid group '${name}': expected a mapping with 'hosts', 'vars' or 'children', got ${an(body)}`,
        at.value,
      );
    }
    this.data.addGroup(name, at.key);
    if (body === null) return name;
    for (const key of orderedKeys(body)) {
      const value = body[key];
      const keyAt = this.where(body, key);
      if (!SECTIONS.includes(key)) {
        throw new InventoryError(
          `Unexpected key '${key}' in group '${name}': expected 'hosts', 'vars' or 'children'` +
            didYouMean(key, SECTIONS),
          keyAt.key,
        );
      }
      // A string is allowed for a single entry: `hosts: web1`.
      const section: unknown = typeof value === "string" ? { [value]: null } : value;
      if (section !== null && !isMapping(section)) {
        throw new InventoryError(
          `Invalid "${key}" entry for "${name}" group: expected a mapping, got ${an(section)}`,
          keyAt.value,
        );
      }
      if (section === null) continue;
      const sectionMap = typeof value === "string" ? null : section;
      const entryAt = (entry: string) =>
        sectionMap ? this.where(sectionMap, entry) : { key: keyAt.value, value: keyAt.value, raw: entry };
      if (key === "vars") {
        for (const k of orderedKeys(section)) this.data.setVariable(name, k, section[k], entryAt(k).key);
      } else if (key === "children") {
        for (const child of orderedKeys(section)) {
          const childAt = entryAt(child);
          if (sectionMap) this.group(child, section[child], sectionMap);
          else this.data.addGroup(child, childAt.key);
          this.data.addChild(name, child, childAt.key);
        }
      } else {
        for (const pattern of orderedKeys(section)) {
          this.hosts(name, pattern, section[pattern], entryAt(pattern));
        }
      }
    }
    return name;
  }

  hosts(
    group: string,
    pattern: string,
    hostVars: unknown,
    at: { key: SourcePosition; value: SourcePosition; raw: unknown },
  ): void {
    if (typeof at.raw !== "string") {
      throw new InventoryError(
        `Host pattern ${
          JSON.stringify(at.raw)
        } must be a string: enclose integers and floats in quotation marks`,
        at.key,
      );
    }
    let expanded;
    try {
      expanded = expandHostPattern(pattern);
    } catch (error) {
      if (!(error instanceof HostPatternError)) throw error;
      throw new InventoryError(`Invalid host pattern '${pattern}': ${error.message}`, at.key);
    }
    if (expanded.hosts.length === 0) {
      throw new InventoryError(
        `Host range '${pattern}' expands to no hosts: expected begin <= end and a positive step`,
        at.key,
      );
    }
    // Ansible reads a falsy value (empty, 0, false, []) as no variables.
    const vars = hostVars || {};
    if (!isMapping(vars)) {
      throw new InventoryError(
        `Invalid variables for host '${pattern}' in group '${group}': expected a mapping, got ${an(vars)}`,
        at.value,
      );
    }
    for (const host of expanded.hosts) {
      this.data.addHost(host, group, expanded.port, at.key);
      for (const k of orderedKeys(vars)) {
        this.data.setVariable(host, k, vars[k], entryPosition(vars, k)?.key ?? at.value);
      }
    }
  }
}

/**
 * Reads a loaded YAML inventory (see `parseYaml`) into `data`, as Ansible's `yaml`
 * inventory plugin does. Where Ansible only warns (an unknown key in a group, a group
 * that is not a mapping), muster stops with an error naming the file, line and column.
 *
 * @example
 * ```ts
 * import { InventoryData } from "./inventory_data.ts";
 * import { parseYaml } from "./yaml_file.ts";
 * import { readYamlInventory } from "./yaml_inventory.ts";
 * const data = new InventoryData();
 * const text = "all:\n  children:\n    web:\n      hosts:\n        web[1:2]:\n";
 * readYamlInventory(parseYaml(text, "hosts.yml") as Record<string, unknown>, "hosts.yml", data);
 * [...data.hosts.keys()]; // => ["web1", "web2"]
 * ```
 */
export function readYamlInventory(value: Record<string, unknown>, file: string, data: InventoryData): void {
  const reader = new YamlInventoryReader(file, data);
  for (const name of orderedKeys(value)) reader.group(name, value[name], value);
}
