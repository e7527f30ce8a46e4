/**
 * One inventory file, read as Ansible's inventory plugins would read it: a file without
 * an extension or ending in `.yml`, `.yaml` or `.json` is tried as a YAML inventory first
 * and, if it is not one (not a mapping, empty, or not YAML at all), as INI; any other
 * file is INI, except that a `.toml` file Ansible's INI plugin cannot read is TOML (with
 * what the INI attempt had added before it failed, as in Ansible). Inventory scripts are
 * run by `load.ts`; inventory plugin configurations are not supported.
 */

import { extname } from "node:path";
import { InventoryError } from "../engine/errors.ts";
import { parseIni } from "./ini.ts";
import { parseTomlInventory } from "./toml_inventory.ts";
import type { InventoryData } from "./inventory_data.ts";
import type { Vault } from "./vault.ts";
import { parseYaml } from "./yaml_file.ts";
import { readYamlInventory } from "./yaml_inventory.ts";
import { entryPosition } from "./yaml_positions.ts";
import { isMapping, typeName } from "./yaml_values.ts";

const YAML_EXTENSIONS = ["", ".yml", ".yaml", ".json"];

/** Whether the first meaningful line of a file reads like YAML rather than INI. */
function looksLikeYaml(text: string): boolean {
  const first = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== "" && !l.startsWith("#"));
  return first !== undefined && (first.startsWith("---") || /^[^\s=[\]]+:(?:\s.*)?$/.test(first));
}

/**
 * Reads one inventory file into `data`. Throws `InventoryError` naming the file, line and
 * column of the first problem.
 *
 * @example
 * ```ts
 * import { InventoryData } from "./inventory_data.ts";
 * import { readInventoryFile } from "./inventory_file.ts";
 * const data = new InventoryData();
 * readInventoryFile("hosts", "[web]\nweb1\n", data);
 * readInventoryFile("more.yml", "all:\n  hosts:\n    db1:\n", data);
 * [...data.hosts.keys()]; // => ["web1", "db1"]
 * ```
 */
export function readInventoryFile(file: string, text: string, data: InventoryData, vault?: Vault): void {
  const ext = extname(file);
  if (ext === ".toml") {
    try {
      parseIni(text, file, data);
    } catch (error) {
      if (!(error instanceof InventoryError)) throw error;
      parseTomlInventory(text, file, data);
    }
    return;
  }
  if (!YAML_EXTENSIONS.includes(ext)) {
    parseIni(text, file, data);
    return;
  }
  let loaded: unknown;
  let yamlError: InventoryError | undefined;
  try {
    loaded = parseYaml(text, file, { vault });
  } catch (error) {
    if (!(error instanceof InventoryError)) throw error;
    yamlError = error;
  }
  if (isMapping(loaded) && Object.keys(loaded).length > 0) {
    const map = loaded as Record<string, unknown>;
    if (map.plugin) {
      throw new InventoryError(
        `Inventory plugin configurations (plugin: ${String(map.plugin)}) are not supported: ` +
          "expected a YAML inventory with groups at the top",
        entryPosition(map, "plugin")?.key ?? { file, line: 1, col: 1 },
      );
    }
    readYamlInventory(map, file, data);
    return;
  }
  // Ansible's YAML plugin declines the file; its INI plugin gets a try.
  try {
    parseIni(text, file, data);
  } catch (iniError) {
    if (!(iniError instanceof InventoryError)) throw iniError;
    if (yamlError && (ext !== "" || looksLikeYaml(text))) throw yamlError;
    if (!yamlError && loaded && ext !== "") {
      throw new InventoryError(
        `Invalid YAML inventory: expected a mapping of groups at the top, got a ${typeName(loaded)}`,
        { file, line: 1, col: 1 },
      );
    }
    throw iniError;
  }
}
