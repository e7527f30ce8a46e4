/**
 * The release store of an installation: `PREFIX/.releases/ID/` holds hard links (or copies)
 * of a release's artifacts and package trees at their paths relative to the prefix, with a
 * `release.json`; `PREFIX/.releases/current` names the release in place. A release is
 * identified by a short content id: the SHA-256 of its files' paths and SHA-256s. The
 * app's own layout is untouched (`bin/` stays `bin/`).
 */
import { createHash } from "node:crypto";
import type { Fact } from "../../src/engine/fact.ts";
import { parseSha256 } from "../../src/facts/files.ts";
import { quickSumsFact, recordPath, recordSums } from "../../src/facts/quick_sums.ts";
import type { AppSpec } from "../../src/app/spec.ts";
import { printJoined, readLine } from "../../src/engine/read_text.ts";
import { raw, sh } from "../../src/transport/quote.ts";

/** The store's directory. */
export function releasesDir(prefix: string): string {
  return `${prefix}/.releases`;
}

/** The file naming the release in place. */
export function currentMarker(prefix: string): string {
  return `${releasesDir(prefix)}/current`;
}

/** A kept release, as its `release.json` says. */
export interface Release {
  id: string;
  /** The app's version when it was installed, if the app has one. */
  version?: string;
  /** ISO time it was stored. */
  stored: string;
  /** Artifact files, relative to the prefix. */
  files: string[];
  /** Package trees (virtualenvs, target directories, wheel directories), relative to the prefix. */
  dirs: string[];
  /** SHA-256 of each artifact file, by path relative to the prefix (to record them once put back). */
  sums?: Record<string, string>;
}

/** The short content id of a set of files: `relative/path sha256` lines, sorted, hashed. */
export function releaseId(files: Array<{ path: string; sha256: string }>): string {
  const lines = files.map((file) => `${file.path} ${file.sha256}\n`).sort().join("");
  return createHash("sha256").update(lines).digest("hex").slice(0, 8);
}

/** How a release reads: `a1b2c3d4 (0.7.0)`, or the id alone. */
export function releaseLabel(release: { id: string; version?: string } | undefined): string {
  if (!release) return "none";
  return release.version ? `${release.id} (${release.version})` : release.id;
}

/** What a release of this app on this host is made of, relative to the prefix. */
export interface ReleaseShape {
  /** The app's name: the checksum record of its installation is named after it. */
  app: string;
  /** Every artifact path of the app (any profile). */
  artifactPaths: string[];
  /** The host's package trees and wheel directories. */
  dirs: string[];
  /** The wheel directories (their files make part of the content id). */
  wheelDirs: string[];
}

/** The shape of a release for a host's spec. */
export function releaseShape(spec: AppSpec): ReleaseShape {
  const { app } = spec;
  const packages = app.packagesFor(spec.profiles);
  return {
    app: app.name,
    artifactPaths: app.artifacts.map((name) => `${app.definition.artifacts[name].to}/${name}`),
    dirs: packages.flatMap((pkg) => [pkg.dir, pkg.wheels_dir]),
    wheelDirs: packages.map((pkg) => pkg.wheels_dir),
  };
}

/** What the store and the installed files say on a host. */
export interface StoreState {
  /** The id in `current`, if any. */
  current?: string;
  /** Kept releases, newest first. */
  releases: Release[];
  /** SHA-256 of each installed artifact and wheel file, by path relative to the prefix. */
  sums: Map<string, string>;
}

/**
 * The installed artifacts' SHA-256s, read as the binaries step reads them: from muster's
 * record while a file's stat still matches it, else hashed (`checksum`: all hashed). One
 * fact for the binaries and release steps of an install, so a host answers it once.
 */
export function artifactSumsFact(
  spec: AppSpec,
  options: { checksum?: boolean } = {},
): Fact<Map<string, string>> {
  const { app } = spec;
  const paths = app.artifacts.map((name) => app.artifactPath(spec.prefix, name));
  return quickSumsFact(paths, recordPath(app.name, spec.prefix), options);
}

/**
 * The release store and the SHA-256s of what is installed, in one command; without
 * `artifactSums`, only the wheels' (the artifacts' come from `artifactSumsFact`, see `withSums`).
 */
export function storeFact(
  prefix: string,
  shape: ReleaseShape,
  options: { artifactSums?: boolean } = {},
): Fact<StoreState> {
  const store = releasesDir(prefix);
  const files = shape.artifactPaths.map((path) => `${prefix}/${path}`);
  const wheelDirs = shape.wheelDirs.map((dir) => `${prefix}/${dir}`);
  const artifactSums = options.artifactSums ?? true;
  return {
    key: `releases:${prefix}:${artifactSums ? shape.artifactPaths.join(",") : "-"}:${
      shape.wheelDirs.join(",")
    }`,
    command: [
      readLine("muster_current", currentMarker(prefix)),
      `printf 'current:%s\\n' "$muster_current"`,
      sh`for m in ${store}/*/release.json; do [ -f "$m" ] && { printf 'release:'; ${
        raw(printJoined('"$m"'))
      }; echo; }; done`,
      // The installed artifacts' sums as the binaries step reads them: from muster's record while
      // a file's stat still matches it, else hashed.
      ...(artifactSums ? [quickSumsFact(files, recordPath(shape.app, prefix)).command] : []),
      sh`for d in ${wheelDirs}; do [ -d "$d" ] && find "$d" -maxdepth 1 -type f -exec sha256sum -- {} +; done`,
      "true",
    ].join("\n"),
    parse(output) {
      const state: StoreState = { releases: [], sums: new Map() };
      for (const line of output.split("\n")) {
        if (line.startsWith("current:")) state.current = line.slice(8).trim() || undefined;
        else if (line.startsWith("release:")) {
          try {
            state.releases.push(JSON.parse(line.slice(8)));
          } catch { /* a release being written, or damaged: not offered */ }
        }
      }
      state.releases.sort((a, b) => b.stored.localeCompare(a.stored));
      return withSums(state, parseSha256(output), prefix);
    },
  };
}

/** The store's state with `sums` (SHA-256 by absolute path) added: those under `prefix`, by relative path. */
export function withSums(state: StoreState, sums: Map<string, string>, prefix: string): StoreState {
  const all = new Map(state.sums);
  for (const [path, sum] of sums) {
    if (path.startsWith(`${prefix}/`)) all.set(path.slice(prefix.length + 1), sum);
  }
  return { ...state, sums: all };
}

/** The content id of what is installed now, or undefined when nothing is. */
export function installedId(state: StoreState): string | undefined {
  if (state.sums.size === 0) return undefined;
  return releaseId([...state.sums].map(([path, sha256]) => ({ path, sha256 })));
}

/**
 * Shell that stores what is installed now as release `release` (hard links, else copies),
 * replacing a partial one. The release is written where it stays, its `release.json` last:
 * the store lists only directories that have one, so a store cut short is never taken for
 * a release, and the next store of it starts afresh.
 */
export function storeScript(prefix: string, release: Release): string {
  const dir = `${releasesDir(prefix)}/${release.id}`;
  // One mkdir for every directory the files go in, then one ln per directory (else one cp,
  // after removing what ln linked before it failed).
  const byDir = Map.groupBy(release.files, dirOf);
  // The store is private: every directory made here is 0700, the store's own first. Nothing
  // is removed that is not there.
  return [
    sh`${raw(removeTree(dir))} && mkdir -p -m 0700 -- ${[
      releasesDir(prefix),
      dir,
      ...[...byDir.keys()].map((sub) => `${dir}/${sub}`),
    ]}`,
    ...[...byDir].map(([sub, paths]) => {
      const sources = paths.map((path) => `${prefix}/${path}`);
      return sh`{ ln -- ${sources} ${`${dir}/${sub}/`} 2>/dev/null || ` +
        sh`{ rm -f -- ${
          paths.map((path) => `${dir}/${path}`)
        }; cp -p -- ${sources} ${`${dir}/${sub}/`}; }; }`;
    }),
    ...release.dirs.map((path) =>
      sh`if [ -d ${`${prefix}/${path}`} ]; then mkdir -p -- ${`${dir}/${
        dirOf(path)
      }`} && { cp -al -- ${`${prefix}/${path}`} ${`${dir}/${path}`} 2>/dev/null || { rm -rf -- ${`${dir}/${path}`}; cp -a -- ${`${prefix}/${path}`} ${`${dir}/${path}`}; }; }; fi`
    ),
    sh`printf '%s\n' ${JSON.stringify(release)} > ${`${dir}/release.json`}`,
  ].join("\n");
}

/** Shell that removes `path` and all below it, starting `rm` only when there is something to remove. */
function removeTree(path: string): string {
  return sh`{ { [ ! -e ${path} ] && [ ! -L ${path} ]; } || rm -rf -- ${path}; }`;
}

/**
 * Shell that puts release `release` back in place from the store without transferring
 * anything: each file hard-linked (else copied) beside its path and renamed over it, each
 * tree linked beside and swapped in, the app's artifacts it does not have removed; then
 * `current` names it.
 */
export function restoreScript(prefix: string, release: Release, shape: ReleaseShape): string {
  const dir = `${releasesDir(prefix)}/${release.id}`;
  const extra = shape.artifactPaths.filter((path) => !release.files.includes(path));
  return [
    sh`[ -f ${`${dir}/release.json`} ] || { echo ${`release ${release.id} is not in ${
      releasesDir(prefix)
    }`} >&2; exit 1; }`,
    ...release.files.map((path) => {
      const dest = `${prefix}/${path}`;
      const tmp = `${dest}.muster-tmp`;
      // A file the two releases share is the store's own inode already: nothing to do.
      return sh`[ ${dest} -ef ${`${dir}/${path}`} ] || { mkdir -p -- ${`${prefix}/${dirOf(path)}`} && ` +
        sh`{ ln -f -- ${`${dir}/${path}`} ${tmp} 2>/dev/null || cp -pf -- ${`${dir}/${path}`} ${tmp}; } && mv -f -- ${tmp} ${dest}; }`;
    }),
    ...release.dirs.map((path) => {
      const dest = `${prefix}/${path}`;
      const next = `${dest}.muster-next`;
      const old = `${dest}.muster-old`;
      return sh`if [ -d ${`${dir}/${path}`} ]; then rm -rf -- ${next} ${old} && ` +
        sh`{ cp -al -- ${`${dir}/${path}`} ${next} 2>/dev/null || { rm -rf -- ${next}; cp -a -- ${`${dir}/${path}`} ${next}; }; } && ` +
        sh`{ [ ! -e ${dest} ] || mv -- ${dest} ${old}; } && mv -- ${next} ${dest} && rm -rf -- ${old}; fi`;
    }),
    ...(extra.length ? [sh`rm -f -- ${extra.map((path) => `${prefix}/${path}`)}`] : []),
    sh`printf '%s\\n' ${release.id} > ${currentMarker(prefix)}`,
    recordScript(prefix, release, shape.app),
  ].join("\n");
}

/**
 * Shell that records the release's artifacts as they are now in place (linking a file changes
 * its ctime), so the next run takes their sums from the record instead of hashing them.
 */
export function recordScript(prefix: string, release: Release, app: string): string {
  const sums = release.sums ?? {};
  const files = release.files.filter((path) => sums[path]).map((path) => ({
    path: `${prefix}/${path}`,
    sha256: sums[path],
  }));
  return files.length === release.files.length && files.length
    ? recordSums(files, recordPath(app, prefix))
    : "";
}

/** Shell that removes kept releases. */
export function pruneScript(prefix: string, ids: string[]): string {
  return ids.length ? sh`rm -rf -- ${ids.map((id) => `${releasesDir(prefix)}/${id}`)}` : "";
}

function dirOf(path: string): string {
  const at = path.lastIndexOf("/");
  return at < 0 ? "." : path.slice(0, at);
}
