/**
 * Checksums that cost little on a rerun, as git's index does it: at install, muster records
 * what it put on the host (path, size, mtime, ctime, inode, SHA-256); on a rerun only a file
 * whose record no longer matches is hashed again. A user cannot set ctime back, so a file
 * changed to the same size and mtime is still hashed, and its change found.
 */
import type { Fact } from "../engine/fact.ts";
import { setStateVar } from "../engine/host_state.ts";
import { raw, sh } from "../transport/quote.ts";
import { parseSha256 } from "./files.ts";

/**
 * Where the record of an installation lives on the host: outside the installation (whose
 * layout is the app's), in muster's state directory on the host (see host_state.ts).
 */
export function recordPath(app: string, prefix: string): string {
  return `${app}${prefix.replaceAll("/", "_")}.tsv`;
}

/** Where records are kept: a directory, or (by default) decided on the host by who runs there. */
export interface RecordOptions {
  /** The directory of the records. @default the host's state directory's `checksums` (see host_state.ts) */
  dir?: string;
}

/** Shell that sets `muster_record` to the record's path for `name` (from `recordPath`). */
function recordVar(name: string, options: RecordOptions): string {
  if (options.dir) return sh`muster_record=${`${options.dir}/${name}`}`;
  return setStateVar("muster_record", sh`/checksums/${name}`);
}

/**
 * SHA-256 of each regular file of `paths` that exists: from the record where its size,
 * mtime, ctime and inode still match, else hashed. With `checksum`, every file is hashed.
 */
export function quickSumsFact(
  paths: string[],
  record: string,
  options: RecordOptions & { checksum?: boolean } = {},
): Fact<Map<string, string>> {
  const hashAll = sh`for f in ${paths}; do [ -f "$f" ] && [ ! -L "$f" ] && sha256sum -- "$f"; done; true`;
  if (options.checksum) return { key: `sha256:${paths.join("\0")}`, command: hashAll, parse: parseSha256 };
  // The record is read by the shell into one string (a line per file, each after a newline),
  // and each file's stat line looked up in it: no awk and no pipe; only a changed file is hashed.
  const command = [
    recordVar(record, options),
    sh`set --; for f in ${paths}; do [ -f "$f" ] && [ ! -L "$f" ] && set -- "$@" "$f"; done`,
    'muster_rec=; if [ "$#" -gt 0 ] && [ -r "$muster_record" ]; then ' +
    'while IFS= read -r muster_l; do muster_rec="$muster_rec\n$muster_l"; done < "$muster_record"; fi',
    'muster_rec="$muster_rec\n"; muster_stats=',
    '[ "$#" -eq 0 ] || muster_stats=$(stat -c \'%n\t%s %Y %Z %i\' -- "$@") || :',
    'while IFS= read -r muster_l; do [ -n "$muster_l" ] || continue',
    '  case "$muster_rec" in',
    '  *"\n$muster_l\t"*) muster_s=${muster_rec#*"\n$muster_l\t"}; ' +
    'printf \'%s  %s\\n\' "${muster_s%%"\n"*}" "${muster_l%%\t*}" ;;',
    '  *) sha256sum -- "${muster_l%%\t*}" ;;',
    "  esac",
    "done <<MUSTER_STATS",
    "$muster_stats",
    "MUSTER_STATS",
    "true",
  ].join("\n");
  return { key: `quick-sha256:${record}:${paths.join("\0")}`, command, parse: parseSha256 };
}

/**
 * Shell that records the files as they are now, with the checksums they are known to have:
 * one `stat` for all of them into the record's temporary file, its lines matched to the files
 * by name and read back by the shell itself (no pipe, so no subshell), then the record written
 * over it and moved into place. A file that cannot be read leaves the record as it was, which
 * then matches nothing changed since.
 */
export function recordSums(
  files: Array<{ path: string; sha256: string }>,
  record: string,
  options: RecordOptions = {},
): string {
  if (files.length === 0) return ":";
  const line = (i: number) => `muster_stat${i}`;
  return [
    recordVar(record, options),
    '[ -d "${muster_record%/*}" ] || mkdir -p -- "${muster_record%/*}"',
    sh`stat -c '%n\t%s %Y %Z %i' -- ${files.map((file) => file.path)} > "$muster_record.tmp" && {`,
    ...files.map((file, i) =>
      `  IFS= read -r ${line(i)} && ` +
      sh`case "$${raw(line(i))}" in ${file.path}"\t"*) ;; *) false ;; esac` +
      (i < files.length - 1 ? " &&" : "")
    ),
    '} < "$muster_record.tmp" && {',
    ...files.map((file, i) =>
      sh`  printf '%s\t%s\t%s\n' ${file.path} "\${${raw(line(i))}#*\t}" ${file.sha256}`
    ),
    '} > "$muster_record.tmp" && mv -f -- "$muster_record.tmp" "$muster_record" || rm -f -- "$muster_record.tmp"',
  ].join("\n");
}
