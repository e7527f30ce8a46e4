/** The directory layout of a Flame installation under its prefix (SPEC section 3). */

/** One directory of the layout. */
export interface LayoutDir {
  /** Path relative to the prefix; "" is the prefix itself. */
  path: string;
  mode: number;
}

/** Directories in creation order, with their modes: 0755, `data/` 0700. */
export const LAYOUT: readonly LayoutDir[] = [
  { path: "", mode: 0o755 },
  { path: "bin", mode: 0o755 },
  { path: "sbin", mode: 0o755 },
  { path: "sdk", mode: 0o755 },
  { path: "sdk/python", mode: 0o755 },
  { path: "work", mode: 0o755 },
  { path: "work/sessions", mode: 0o755 },
  { path: "work/executors", mode: 0o755 },
  { path: "logs", mode: 0o755 },
  { path: "conf", mode: 0o755 },
  { path: "data", mode: 0o700 },
  { path: "data/cache", mode: 0o755 },
  { path: "data/packages", mode: 0o755 },
];

/** Joins a prefix and a layout path. */
export function under(prefix: string, path: string): string {
  return path ? `${prefix}/${path}` : prefix;
}

/** Where the generated files live. */
export function paths(prefix: string) {
  return {
    config: `${prefix}/conf/flame-cluster.yaml`,
    flmenv: `${prefix}/sbin/flmenv.sh`,
    bin: (name: string) => `${prefix}/bin/${name}`,
    sdk: `${prefix}/sdk/python`,
    wheels: `${prefix}/sdk/wheels`,
    logs: `${prefix}/logs`,
    work: `${prefix}/work`,
  };
}

/** Where systemd units are written. */
export const UNIT_DIR = "/etc/systemd/system";
