/**
 * The paths fact: what `lstat` says of paths, for every step and for the engine's own stage
 * directory, gathered for a host by one `stat` (a batch).
 */
import type { Fact } from "./fact.ts";
import { sh } from "../transport/quote.ts";

/** What `lstat` says of a path. */
export interface PathState {
  type: "directory" | "file" | "symlink" | "other";
  /** Permission bits, e.g. 0o755. */
  mode: number;
  owner: string;
  group: string;
  size: number;
}

/**
 * The state of each existing path (symlinks are not followed); missing paths are absent.
 * Every paths fact of a host is gathered by one `stat`.
 */
export function pathsFact(paths: string[]): Fact<Map<string, PathState>> {
  const wanted = new Set(paths);
  return {
    key: `paths:${paths.join("\0")}`,
    command: statCommand(paths),
    batch: { kind: "paths", items: paths, command: statCommand },
    parse: (output) => new Map([...parsePaths(output)].filter(([path]) => wanted.has(path))),
  };
}

function statCommand(paths: readonly string[]): string {
  return sh`stat --printf '%F\\t%a\\t%U\\t%G\\t%s\\t%n\\n' -- ${[...paths]}`;
}

/** Parses `stat --printf '%F\t%a\t%U\t%G\t%s\t%n\n'` output. */
export function parsePaths(output: string): Map<string, PathState> {
  const states = new Map<string, PathState>();
  for (const line of output.split("\n")) {
    const fields = line.split("\t");
    if (fields.length < 6) continue;
    const [kind, mode, owner, group, size, ...name] = fields;
    states.set(name.join("\t"), {
      type: kind === "directory"
        ? "directory"
        : kind.startsWith("regular")
        ? "file"
        : kind === "symbolic link"
        ? "symlink"
        : "other",
      mode: parseInt(mode, 8),
      owner,
      group,
      size: Number(size),
    });
  }
  return states;
}
