/**
 * The backup's manifest, as shell: every regular file's path, size, mode and SHA-256,
 * computed from the ORIGINAL tree, then checked against the copy.
 *
 * - `MANIFEST.sha256`: `sha256sum` format (names escaped as `sha256sum` does), so
 *   `cd BACKUP && sha256sum -c MANIFEST.sha256` checks a backup, and
 *   `cd PREFIX && sha256sum -c BACKUP/MANIFEST.sha256` checks a restore.
 * - `manifest.tsv`: `path<TAB>size<TAB>mode<TAB>sha256`, one line per file, for people.
 */
import { sh } from "../../src/transport/quote.ts";

/** File names inside a backup directory. */
export const MANIFEST = { sha256: "MANIFEST.sha256", tsv: "manifest.tsv" } as const;

/**
 * Shell printing one SHA-256 of the whole listing of `dirs` (run in their parent): type,
 * mode, owner, size of files and target of symlinks of every entry. Equal listings mean the
 * copy has the same tree, modes and owners.
 */
export function treeDigest(dirs: string[]): string {
  return sh`find ${dirs} ` +
    String.raw`\( -type f -printf 'f %m %U:%G %s %p\0' \) -o \( -type l -printf 'l %U:%G %p %l\0' \) ` +
    String.raw`-o -printf '%y %m %U:%G %p\0' | sort -z | sha256sum`;
}

/** Shell that writes both manifests of `dirs` (run in their parent) into `target`. */
export function writeManifest(dirs: string[], target: string): string {
  const sums = `${target}/${MANIFEST.sha256}`;
  const tsv = `${target}/${MANIFEST.tsv}`;
  const files = sh`find ${dirs} -type f -print0 | sort -z`;
  const awk = String.raw`{ line = $3; for (i = 4; i <= NF; i++) line = line "\t" $i; esc = "";` +
    String.raw` if (substr(line, 1, 1) == "\\") { esc = "\\"; line = substr(line, 2) }` +
    String.raw` printf "%s%s\t%s\t%s\t%s\n", esc, substr(line, 67), $1, $2, substr(line, 1, 64) }`;
  return [
    `${files} | xargs -0r sha256sum -- > ${sh`${sums}`}`,
    sh`printf '# path\\tsize\\tmode\\tsha256\\n' > ${tsv}`,
    `${files} | xargs -0r stat --printf '%s\\t%04a\\n' -- | paste - ${sh`${sums}`} | awk -F '\\t' ${sh`${awk}`} >> ${sh`${tsv}`}`,
  ].join("\n");
}

/**
 * Shell that checks a copy in `target` against the manifest written from the originals:
 * as many entries as files, every checksum equal, and the same tree (types, modes,
 * owners, sizes, symlink targets). It compares with `muster_files` and `muster_tree`, set from
 * the originals by `measureOriginal`.
 */
export function verifyCopy(dirs: string[], target: string): string {
  const fail = (what: string) =>
    sh`{ echo ${`Backup verification failed in ${target}: ${what}`} >&2; exit 1; }`;
  return [
    sh`cd -- ${target}`,
    `[ "$(wc -l < ${sh`${MANIFEST.sha256}`})" -eq "$muster_files" ] || ${
      fail("the manifest does not list every file")
    }`,
    `[ "$(($(wc -l < ${sh`${MANIFEST.tsv}`}) - 1))" -eq "$muster_files" ] || ${
      fail("manifest.tsv is incomplete")
    }`,
    sh`[ "$muster_files" -eq 0 ] || muster_bad=$(sha256sum --quiet --strict -c ${MANIFEST.sha256} 2>&1) || ` +
    sh`{ echo ${`Backup verification failed in ${target}: checksums differ:`} "$muster_bad" | head -n 6 >&2; exit 1; }`,
    `[ "$(${treeDigest(dirs)})" = "$muster_tree" ] || ${
      fail("the copied tree differs (types, modes, owners or sizes)")
    }`,
  ].join("\n");
}

/** Shell (run in the originals' parent) that records what `verifyCopy` compares with. */
export function measureOriginal(dirs: string[]): string {
  return [
    `muster_files=$(${sh`find ${dirs} -type f -print0`} | tr -cd '\\0' | wc -c)`,
    `muster_tree=$(${treeDigest(dirs)})`,
  ].join("\n");
}
