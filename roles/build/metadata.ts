/**
 * Pure readers of `cargo metadata --format-version 1` output: what a workspace builds,
 * and how many packages a build of some of its binaries compiles (the progress total).
 */

/** What the build needs to know about a Cargo workspace. */
export interface Workspace {
  /** `workspace_root`. */
  root: string;
  /** `target_directory` (honours `CARGO_TARGET_DIR` and `.cargo/config.toml`). */
  targetDir: string;
  /** Every binary target of the workspace members: binary name -> package id. */
  bins: Map<string, string>;
  /** Whether a member depends on anything but path crates inside the workspace (crates.io, git). */
  externalDeps: boolean;
}

interface _Target {
  name: string;
  kind: string[];
}
interface _Dependency {
  source?: string | null;
  path?: string | null;
}
interface _Package {
  id: string;
  name: string;
  targets: _Target[];
  dependencies: _Dependency[];
}
interface _Node {
  id: string;
  dependencies?: string[];
  deps?: { pkg: string; dep_kinds?: { kind: string | null }[] }[];
}
interface _Metadata {
  packages: _Package[];
  workspace_members: string[];
  workspace_root: string;
  target_directory: string;
  resolve?: { nodes: _Node[] } | null;
}

function _parse(json: string): _Metadata {
  const data = JSON.parse(json) as _Metadata;
  if (!Array.isArray(data?.packages) || !Array.isArray(data.workspace_members)) {
    throw new SyntaxError("Unexpected output of cargo metadata: no packages or workspace_members");
  }
  return data;
}

/**
 * Reads the output of `cargo metadata --no-deps --format-version 1`.
 *
 * @example
 * ```ts ignore
 * const ws = parseWorkspace(stdout);
 * ws.bins.get("flmctl"); // => "path+file:///src/flame/flmctl#0.1.0"
 * ```
 */
export function parseWorkspace(json: string): Workspace {
  const data = _parse(json);
  const members = new Set(data.workspace_members);
  const root = data.workspace_root.replace(/\/+$/, "");
  const bins = new Map<string, string>();
  let externalDeps = false;
  for (const pkg of data.packages) {
    if (!members.has(pkg.id)) continue;
    for (const target of pkg.targets ?? []) {
      if (target.kind.includes("bin") && !bins.has(target.name)) bins.set(target.name, pkg.id);
    }
    for (const dep of pkg.dependencies ?? []) {
      const inside = !dep.source && typeof dep.path === "string" &&
        (dep.path === root || dep.path.startsWith(root + "/"));
      if (!inside) externalDeps = true;
    }
  }
  return { root, targetDir: data.target_directory, bins, externalDeps };
}

/**
 * Counts the packages `cargo build` compiles for the given root packages: their closure
 * over normal and build dependencies in the resolve graph of a full `cargo metadata`
 * (dev-dependencies are not built). Cargo prints one `Compiling` line per package, so this
 * is the progress total. Returns 0 when the output has no resolve graph.
 */
export function countUnits(json: string, roots: Iterable<string>): number {
  const nodes = new Map((_parse(json).resolve?.nodes ?? []).map((node) => [node.id, node]));
  if (nodes.size === 0) return 0;
  const seen = new Set<string>();
  const stack = [...roots].filter((id) => nodes.has(id));
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = nodes.get(id);
    if (!node) continue;
    const built = (dep: { dep_kinds?: { kind: string | null }[] }) =>
      !dep.dep_kinds || dep.dep_kinds.some((k) => k.kind !== "dev");
    const deps = node.deps ? node.deps.filter(built).map((dep) => dep.pkg) : node.dependencies ?? [];
    for (const dep of deps) if (!seen.has(dep)) stack.push(dep);
  }
  return seen.size;
}
