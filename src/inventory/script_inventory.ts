/**
 * Inventory scripts, as Ansible's `script` inventory plugin runs them: an executable
 * inventory source is run with `--list` and prints JSON: groups (a list of hosts, or a
 * mapping of `hosts`, `vars` and `children`, or a mapping of variables that makes the
 * group a host of itself) and `_meta.hostvars`. Without `_meta.hostvars` the script is
 * run again with `--host NAME` for each host.
 */

import { InventoryError, type SourcePosition } from "../engine/errors.ts";
import type { InventoryData } from "./inventory_data.ts";
import type { Vault } from "./vault.ts";
import { parseYaml } from "./yaml_file.ts";
import { entryPosition, orderedKeys } from "./yaml_positions.ts";
import { isMapping } from "./yaml_values.ts";

/** The script's output for `args`, or an `InventoryError` saying why there is none. */
async function run(path: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(path, { args, stdout: "piped", stderr: "piped", stdin: "null" }).output();
  } catch (error) {
    throw new InventoryError(
      `Cannot run inventory script ${path} ${args.join(" ")}: ${(error as Error).message}`,
    );
  }
  const stderr = new TextDecoder().decode(output.stderr);
  if (!output.success) {
    throw new InventoryError(
      `Inventory script ${path} ${args.join(" ")} failed with exit code ${output.code}` +
        (stderr.trim() ? `: ${stderr.trim()}` : ""),
    );
  }
  let stdout: string;
  try {
    stdout = new TextDecoder("utf-8", { fatal: true }).decode(output.stdout);
  } catch {
    throw new InventoryError(`Inventory script ${path} printed characters that are not UTF-8`);
  }
  return { stdout, stderr };
}

/** Python's `json.loads` accepts NaN and Infinity; `JSON.parse` does not. */
function isJson(text: string): boolean {
  const plain = text.replace(/("(?:[^"\\]|\\.)*")|-?Infinity|NaN/g, (_m, str) => str ?? "0");
  try {
    JSON.parse(plain);
    return true;
  } catch {
    return false;
  }
}

function at(file: string): SourcePosition {
  return { file, line: 1, col: 1 };
}

/**
 * Runs an inventory script and reads what it prints into `data`. Throws an
 * `InventoryError` when it cannot be run, fails, or prints something Ansible would refuse.
 *
 * @example
 * ```ts ignore
 * import { InventoryData } from "./inventory_data.ts";
 * import { readInventoryScript } from "./script_inventory.ts";
 * const data = new InventoryData();
 * await readInventoryScript("./inventory.py", data);
 * ```
 */
export async function readInventoryScript(path: string, data: InventoryData, vault?: Vault): Promise<void> {
  const { stdout } = await run(path, ["--list"]);
  const source = `${path} --list`;
  if (!isJson(stdout)) {
    throw new InventoryError(`Inventory script ${path} --list did not print JSON`, undefined, {
      hint: "An inventory script prints a JSON object of groups (and _meta.hostvars) for --list",
    });
  }
  const processed = parseYaml(stdout, source, { vault });
  if (!isMapping(processed)) {
    throw new InventoryError(`Inventory script ${path} --list printed JSON that is not an object`);
  }
  const hosts = new Set<string>();
  let meta: unknown;
  for (const name of orderedKeys(processed)) {
    const body = processed[name];
    if (name === "_meta") {
      if (isMapping(body) && "hostvars" in body) meta = body.hostvars;
      continue;
    }
    readGroup(name, body, processed, source, data, hosts);
  }
  for (const host of hosts) {
    let vars: unknown;
    if (meta === undefined) {
      const out = (await run(path, ["--host", host])).stdout;
      vars = out.trim() === "" ? {} : parseYaml(out, `${path} --host ${host}`, { vault });
    } else {
      if (!isMapping(meta)) {
        throw new InventoryError(
          `Improperly formatted host information for ${host}: _meta.hostvars is not an object`,
        );
      }
      vars = meta[host] ?? {};
    }
    if (!isMapping(vars)) {
      throw new InventoryError(`Invalid variables for host '${host}' from ${path}: expected a JSON object`);
    }
    for (const key of orderedKeys(vars)) {
      data.setVariable(host, key, vars[key], entryPosition(vars, key)?.key ?? at(source));
    }
  }
}

function readGroup(
  name: string,
  body: unknown,
  parent: Record<string, unknown>,
  source: string,
  data: InventoryData,
  hosts: Set<string>,
): void {
  const where = entryPosition(parent, name)?.key ?? at(source);
  data.addGroup(name, where);
  let group: Record<string, unknown>;
  if (!isMapping(body)) group = { hosts: body };
  else if (!["hosts", "vars", "children"].some((k) => k in body)) group = { hosts: [name], vars: body };
  else group = body;
  if ("hosts" in group) {
    if (!Array.isArray(group.hosts)) {
      throw new InventoryError(
        `Invalid group '${name}' from ${source}: 'hosts' must be a list of host names`,
        where,
      );
    }
    for (const host of group.hosts) {
      if (typeof host !== "string") {
        throw new InventoryError(
          `Invalid host name ${JSON.stringify(host)} in group '${name}': expected a string`,
          where,
        );
      }
      hosts.add(host);
      data.addHost(host, name, undefined, where);
    }
  }
  if ("vars" in group) {
    const vars = group.vars;
    if (!isMapping(vars)) {
      throw new InventoryError(`Invalid group '${name}' from ${source}: 'vars' must be an object`, where);
    }
    for (const key of orderedKeys(vars)) {
      data.setVariable(name, key, vars[key], entryPosition(vars, key)?.key ?? where);
    }
  }
  if (isMapping(body) && "children" in group) {
    const children = group.children;
    if (!Array.isArray(children)) {
      throw new InventoryError(`Invalid group '${name}' from ${source}: 'children' must be a list`, where);
    }
    for (const child of children) {
      data.addGroup(String(child), where);
      data.addChild(name, String(child), where);
    }
  }
}
