/** SHA-256 of files, streamed so that large binaries never sit in memory whole. */

import { createHash } from "node:crypto";

/** A file's SHA-256 (hex) and size in bytes. */
export interface FileDigest {
  sha256: string;
  size: number;
}

/**
 * Hashes a file by streaming it.
 *
 * @example
 * ```ts ignore
 * const { sha256, size } = await sha256File("target/release/flmctl");
 * ```
 */
export async function sha256File(path: string): Promise<FileDigest> {
  const hash = createHash("sha256");
  let size = 0;
  const file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { sha256: hash.digest("hex"), size };
}
