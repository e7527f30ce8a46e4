/**
 * `group_vars/` and `host_vars/` beside an inventory source, read as Ansible's
 * `host_group_vars` plugin reads them: for a name, the first of `NAME`, `NAME.yml`,
 * `NAME.yaml`, `NAME.json` that exists; if that is a directory, every file in it (sorted,
 * recursively, skipping hidden and `~` files, only those without an extension or with one
 * of those three). Empty files count as no variables.
 */

import { extname, join } from "node:path";
import { InventoryError, type SourcePosition } from "../engine/errors.ts";
import type { Vault } from "./vault.ts";
import { parseYaml } from "./yaml_file.ts";
import { entryPosition, orderedKeys, setKey } from "./yaml_positions.ts";
import { isMapping, typeName } from "./yaml_values.ts";

/** Variables with where each was set. */
export interface VarsLayer {
  vars: Record<string, unknown>;
  positions: Record<string, SourcePosition>;
}

const EXTENSIONS = ["", ".yml", ".yaml", ".json"];

interface Entry {
  isDirectory: boolean;
  isFile: boolean;
}

function statOf(path: string): Entry | undefined {
  try {
    const info = Deno.statSync(path);
    return { isDirectory: info.isDirectory, isFile: info.isFile };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) return undefined;
    throw error;
  }
}

/** Lists a directory (following symbolic links), or undefined when it is not one. */
function listDirectory(path: string): Map<string, Entry> | undefined {
  const info = statOf(path);
  if (!info?.isDirectory) return undefined;
  const entries = new Map<string, Entry>();
  for (const e of Deno.readDirSync(path)) {
    entries.set(
      e.name,
      e.isSymlink ? statOf(join(path, e.name)) ?? { isDirectory: false, isFile: false } : e,
    );
  }
  return entries;
}

/**
 * Reads one variables file: a mapping, or nothing when it is empty. A vault-encrypted
 * file is decrypted with `vault`; `!vault` values keep it to decrypt when used.
 */
export function readVarsFile(path: string, vault?: Vault): VarsLayer | undefined {
  const value = parseYaml(Deno.readTextFileSync(path), path, { vault });
  // Ansible skips falsy data: an empty file, {}, [], "", 0, false.
  if (!value || ((isMapping(value) || Array.isArray(value)) && Object.keys(value).length === 0)) {
    return undefined;
  }
  if (!isMapping(value)) {
    throw new InventoryError(
      `Invalid variables file: expected a mapping of variable names to values, got a ${typeName(value)}`,
      { file: path, line: 1, col: 1 },
    );
  }
  const vars = value as Record<string, unknown>;
  const positions: Record<string, SourcePosition> = {};
  for (const key of orderedKeys(vars)) {
    positions[key] = entryPosition(vars, key)?.key ?? { file: path, line: 1, col: 1 };
  }
  return { vars, positions };
}

/** Merges layers of variables, later ones winning (Ansible's `combine_vars`, "replace"). */
export function mergeLayers(layers: Iterable<VarsLayer | undefined>): VarsLayer {
  const vars: Record<string, unknown> = {};
  const positions: Record<string, SourcePosition> = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const key of Object.keys(layer.vars)) {
      setKey(vars, key, layer.vars[key]);
      const at = layer.positions[key];
      if (at) positions[key] = at;
      else delete positions[key];
    }
  }
  return { vars, positions };
}

/**
 * The `group_vars/` and `host_vars/` of one inventory directory. Files are read
 * synchronously: thousands of small files read faster so than through promises.
 */
export class VarsDirectory {
  readonly #listings = new Map<string, Map<string, Entry> | undefined>();
  readonly #layers = new Map<string, VarsLayer | undefined>();

  /**
   * @param dir The inventory directory (a directory source, or the directory of a file source).
   * @param vault The vault passwords its files are decrypted with.
   */
  constructor(readonly dir: string, readonly vault?: Vault) {}

  #listing(subdir: string): Map<string, Entry> | undefined {
    if (!this.#listings.has(subdir)) this.#listings.set(subdir, listDirectory(join(this.dir, subdir)));
    return this.#listings.get(subdir);
  }

  /** The variables of a group (`kind` "group") or host ("host") from this directory. */
  vars(kind: "group" | "host", name: string): VarsLayer | undefined {
    const key = `${kind}\0${name}`;
    if (!this.#layers.has(key)) {
      this.#layers.set(key, this.#load(kind === "group" ? "group_vars" : "host_vars", name));
    }
    return this.#layers.get(key);
  }

  #load(subdir: string, name: string): VarsLayer | undefined {
    // Ansible skips names that are absolute paths ("chroot" hosts).
    if (name.startsWith("/")) return undefined;
    const layers = this.#find(subdir, name).map((path) => readVarsFile(path, this.vault));
    return layers.some((l) => l) ? mergeLayers(layers) : undefined;
  }

  #find(subdir: string, name: string): string[] {
    const listing = this.#listing(subdir);
    if (!listing) return [];
    for (const ext of EXTENSIONS) {
      const candidate = name + ext;
      // A name with a slash reaches into a subdirectory: look it up on disk.
      const entry = candidate.includes("/")
        ? statOf(join(this.dir, subdir, candidate))
        : listing.get(candidate);
      if (!entry || (!entry.isDirectory && !entry.isFile)) continue;
      const path = join(this.dir, subdir, candidate);
      return entry.isDirectory ? filesIn(path) : [path];
    }
    return [];
  }
}

/** Variable files in a directory, as Ansible's `_get_dir_vars_files` finds them. */
function filesIn(dir: string): string[] {
  const listing = listDirectory(dir) ?? new Map<string, Entry>();
  const found: string[] = [];
  for (const name of [...listing.keys()].sort()) {
    if (name.startsWith(".") || name.endsWith("~")) continue;
    const entry = listing.get(name)!;
    const ext = extname(name);
    const path = join(dir, name);
    if (entry.isDirectory && !ext) found.push(...filesIn(path));
    else if (entry.isFile && EXTENSIONS.includes(ext)) found.push(path);
  }
  return found;
}
