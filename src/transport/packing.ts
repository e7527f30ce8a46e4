/**
 * Compressed uploads: how a file compressed on the controller is unpacked where it lands.
 * zstd unpacks at memory speed, gzip (everywhere, but ~200 MB/s) where zstd is missing.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { createGunzip, createZstdDecompress } from "node:zlib";

/** A compression an upload may be sent in, best first. */
export type Packing = "zstd" | "gzip";

/** Every packing, in the order muster prefers them. */
export const PACKINGS: readonly Packing[] = ["zstd", "gzip"];

/** The host's command that turns the packed stream on its standard input into the file. */
export function unpackCommand(packing: Packing): string {
  return packing === "zstd" ? "zstd -dcq" : "gzip -dc";
}

/** Unpacks a packed file to `target` in this process (the local transport). */
export async function unpackFile(source: string, target: string, packing: Packing): Promise<void> {
  const unpack = packing === "zstd" ? createZstdDecompress() : createGunzip();
  await pipeline(createReadStream(source), unpack, createWriteStream(target, { mode: 0o600 }));
}
