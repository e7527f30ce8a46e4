/**
 * The `backup` role: copy directories of an installation into a backup directory with a
 * manifest of every file (path, size, mode, SHA-256), and verify the copy against the
 * originals' checksums before anything is deleted. A failed or mismatching backup fails
 * the step (exit 4), so no later step runs; the partial copy is removed.
 */
import { shOp } from "../../src/engine/change.ts";
import { MusterError, UninstallExit } from "../../src/engine/errors.ts";
import type { Fact } from "../../src/engine/fact.ts";
import type { Step } from "../../src/engine/step.ts";
import { sh } from "../../src/transport/quote.ts";
import { MANIFEST, measureOriginal, verifyCopy, writeManifest } from "./manifest.ts";

export { MANIFEST };

/** What to back up, and where. */
export interface BackupSpec {
  /** Directory holding the directories to copy (the installation prefix). */
  prefix: string;
  /** Names of the directories under `prefix` to copy (missing ones are skipped). */
  dirs: string[];
  /** Backup directory; it must not exist, or be empty. */
  target: string;
}

/** What the host says about the backup's source and target. */
export interface BackupFacts {
  /** Directories to copy that exist, with their size in KiB (`du -sk`). */
  sizes: Map<string, number>;
  /** `realpath -m` of the target and of the prefix. */
  targetResolved: string;
  prefixResolved: string;
  /** `lstat` of the target (`directory`, ...); undefined when missing. */
  targetKind?: string;
  /** Entries in the target when it is a directory. */
  targetEntries: number;
  /** KiB free on the file system that will hold the target. */
  freeKib?: number;
}

/** Reads sizes, the target's state and the free space, in one command. */
export function backupFact(spec: BackupSpec): Fact<BackupFacts> {
  const { prefix, target } = spec;
  const command = [
    sh`for d in ${spec.dirs}; do if [ -e ${prefix}/"$d" ] || [ -L ${prefix}/"$d" ]; then ` +
    sh`printf 'size:%s:%s\\n' "$d" "$(du -sk -- ${prefix}/"$d" | cut -f1)"; fi; done`,
    sh`printf 'target:'; realpath -m -- ${target} | tr -d '\\n' | base64 -w0; echo`,
    sh`printf 'prefix:'; realpath -m -- ${prefix} | tr -d '\\n' | base64 -w0; echo`,
    sh`printf 'kind:'; stat -c %F -- ${target} 2>/dev/null; echo`,
    sh`printf 'entries:'; [ -d ${target} ] && ls -A -- ${target} | wc -l; echo`,
    sh`muster_d=${target}; while [ ! -e "$muster_d" ]; do muster_d=$(dirname -- "$muster_d"); done; ` +
    `printf 'free:'; df -Pk -- "$muster_d" | awk 'NR == 2 { print $4 }'; echo`,
  ].join("\n");
  return {
    key: `backup:${spec.prefix}:${spec.dirs.join(",")}:${spec.target}`,
    command,
    parse: parseBackupFacts,
  };
}

/** Parses the output of `backupFact`. */
export function parseBackupFacts(output: string): BackupFacts {
  const sizes = new Map<string, number>();
  const fields = new Map<string, string>();
  for (const line of output.split("\n")) {
    const match = /^size:(.*):(\d+)$/.exec(line);
    if (match) sizes.set(match[1], Number(match[2]));
    else if (line.includes(":")) {
      fields.set(line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1).trim());
    }
  }
  const text = (key: string) => {
    const b64 = fields.get(key) ?? "";
    return b64 ? new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))) : "";
  };
  const free = fields.get("free");
  return {
    sizes,
    targetResolved: text("target"),
    prefixResolved: text("prefix"),
    ...(fields.get("kind") ? { targetKind: fields.get("kind") } : {}),
    targetEntries: Number(fields.get("entries") || 0),
    ...(free && /^\d+$/.test(free) ? { freeKib: Number(free) } : {}),
  };
}

/** Room kept free beyond the copy's size, for the manifests and rounding (KiB). */
const MARGIN_KIB = 64;

/** Checks the backup can be made; throws a `MusterError` (1: bad target, 4: no room). */
export function checkBackup(spec: BackupSpec, found: BackupFacts): void {
  const { target } = spec;
  const inside = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);
  if (
    inside(found.targetResolved, found.prefixResolved) || inside(found.prefixResolved, found.targetResolved)
  ) {
    throw new MusterError(
      `Cannot back up to ${target}: it resolves to '${found.targetResolved}', which overlaps the installation`,
      UninstallExit.usage,
      { hint: "choose a --backup-dir outside the installation" },
    );
  }
  if (found.targetKind !== undefined && (found.targetKind !== "directory" || found.targetEntries > 0)) {
    throw new MusterError(
      `Cannot back up to ${target}: it already exists and is not an empty directory`,
      UninstallExit.usage,
      {
        hint: "choose another --backup-dir, or move the old one away",
      },
    );
  }
  const needed = [...found.sizes.values()].reduce((a, b) => a + b, 0) + MARGIN_KIB;
  if (found.freeKib !== undefined && found.freeKib < needed) {
    throw new MusterError(
      `Cannot back up to ${target}: about ${needed} KiB are needed and only ${found.freeKib} KiB are free; nothing removed`,
      UninstallExit.failure,
      { hint: "free some space, or choose another --backup-dir" },
    );
  }
}

/** Shell that makes and verifies the backup of `dirs` (which exist) into the target. */
export function backupScript(spec: BackupSpec, dirs: string[]): string {
  const { prefix, target } = spec;
  return [
    sh`if [ -e ${target} ] && [ -n "$(ls -A -- ${target} 2>/dev/null)" ]; then ` +
    sh`echo ${`${target} already exists and is not empty`} >&2; exit 1; fi`,
    "muster_backup_started=1",
    sh`if [ ! -e ${target} ]; then mkdir -p -- ${target}; muster_backup_created=1; fi`,
    sh`chmod 0700 ${target}`,
    "(",
    sh`cd -- ${prefix}`,
    measureOriginal(dirs),
    writeManifest(dirs, target),
    sh`cp -a -- ${dirs} ${target}/`,
    verifyCopy(dirs, target),
    ")",
    "muster_backup_ok=1",
    sh`muster_note backupDir ${target}`,
  ].join("\n");
}

/** Shell that removes a backup that did not complete (never a verified one). */
export function partialCleanup(spec: BackupSpec): string {
  const { target } = spec;
  const made = [...spec.dirs, MANIFEST.sha256, MANIFEST.tsv].map((name) => `${target}/${name}`);
  return sh`if [ -n "\${muster_backup_started:-}" ] && [ -z "\${muster_backup_ok:-}" ]; then ` +
    sh`rm -rf --one-file-system -- ${made}; ` +
    sh`if [ -n "\${muster_backup_created:-}" ]; then rmdir -- ${target} 2>/dev/null || true; fi; ` +
    sh`echo ${`the incomplete backup in ${target} was removed; nothing was deleted from ${spec.prefix}`} >&2; fi`;
}

/**
 * `backup`: copies the existing `dirs` of the prefix into the target with `cp -a` (modes,
 * owners, times; symlinks copied as links), writes the manifests from the originals, and
 * verifies the copy against them. Step exit code 4: a failure stops the host before any
 * removal. Records the directory as the host's `backupDir`.
 */
export function backupStep(spec: BackupSpec, options: { role?: string } = {}): Step {
  const fact = backupFact(spec);
  return {
    role: options.role ?? "backup",
    name: "backup",
    exitCode: UninstallExit.failure,
    facts: [fact],
    plan(facts) {
      const found = facts.get(fact);
      const dirs = spec.dirs.filter((dir) => found.sizes.has(dir));
      if (dirs.length === 0) return [];
      checkBackup(spec, found);
      const kib = dirs.reduce((sum, dir) => sum + found.sizes.get(dir)!, 0);
      return [{
        action: "create",
        target: `${spec.target}/`,
        detail: `copy of ${dirs.map((dir) => `${dir}/`).join(", ")} (${kib} KiB) with a verified manifest`,
        ops: [shOp(backupScript(spec, dirs))],
      }];
    },
    rollback(facts) {
      const found = facts.get(fact);
      if (!spec.dirs.some((dir) => found.sizes.has(dir))) return undefined;
      return partialCleanup(spec);
    },
  };
}
