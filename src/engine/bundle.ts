/**
 * A host's uploads and its apply script as one stream, on the apply session's standard
 * input: a tar archive that the session unpacks into the stage, then runs the script from
 * there. One SSH session, one `sudo` and one unpacker carry every file, where each file took
 * a session of its own (on the host an sshd session, a shell and an unpacker, each a
 * process: on a machine where a process costs 4 ms, much of what a fresh install spent
 * beyond the floor's).
 *
 * Compressed, the archive is a run of zstd frames (gzip members), which `zstd -dc` (`gzip
 * -dc`) reads as one stream: each file's content is the `Packer`'s, compressed once for the
 * whole run, and the headers and padding between are small frames made for each host, stored
 * as they are.
 */
import { posix } from "node:path";
import { crc32 } from "node:zlib";
import { type Packing, unpackCommand } from "../transport/packing.ts";
import { quote } from "../transport/quote.ts";
import type { InputPiece } from "../transport/transport.ts";
import { InstallError } from "./errors.ts";
import type { Fact } from "./fact.ts";
import type { Packer } from "./packer.ts";
import { STAGED_SCRIPT, type Upload } from "./place.ts";
import { concat, END_OF_ARCHIVE, padding, tarHeader } from "./tar.ts";

/** Whether the host has `tar`, to unpack a bundle (else each file is uploaded on its own). */
export const tarFact: Fact<boolean> = {
  key: "tar",
  command: "command -v tar >/dev/null 2>&1 && echo tar; true",
  parse: (output) => output.trim() === "tar",
};

/**
 * The host's command that takes a bundle on its standard input: it makes the stage (0700),
 * unpacks the archive there (`-m`: the files' times are the unpacking's; `-p`: their modes
 * are the archive's, whatever the umask) and runs the
 * script, which removes the stage when it ends. The script is the archive's last member,
 * so it runs only once every file before it is whole; if the archive cannot be unpacked
 * the stage is removed and the command fails with the unpacker's words.
 */
export function bundleCommand(stage: string, packing?: Packing): string {
  const dir = quote(stage);
  const script = quote(`${stage}/${STAGED_SCRIPT}`);
  const unpack = packing ? `${unpackCommand(packing)} | ` : "";
  return `umask 077; mkdir -- ${dir} || exit; ` +
    `if ${unpack}tar -xmpf - -C ${dir} && [ -f ${script} ]; then exec sh ${script}; fi; ` +
    `rm -rf -- ${dir}; exit 1`;
}

/**
 * The stream of a bundle: the directories the uploads need in the stage, each upload under
 * its name there with its mode, then the script; compressed with `packing` where the host
 * unpacks it (the files' contents by `packer`, once for the run).
 *
 * @throws {InstallError} when an upload's source cannot be read
 */
export async function bundleInput(
  uploads: Upload[],
  script: string,
  options: { stage: string; packing?: Packing; packer?: Packer },
): Promise<InputPiece[]> {
  const { stage, packer } = options;
  const packing = packer ? options.packing : undefined;
  const pieces: InputPiece[] = [];
  let pending: Uint8Array[] = [];
  // Blocks made here go out together: one frame for each run of them.
  const flush = () => {
    if (pending.length === 0) return;
    const bytes = concat(pending);
    pending = [];
    pieces.push(packing ? stored(bytes, packing) : bytes);
  };
  const inStage = (path: string) => posix.relative(stage, path);
  const dirs = new Set(
    uploads.map((upload) => posix.dirname(upload.stagePath)).filter((dir) => dir !== stage),
  );
  for (const dir of dirs) pending.push(tarHeader({ name: inStage(dir), type: "directory", mode: 0o700 }));
  for (const upload of uploads) {
    const size = await sizeOf(upload.source);
    const mode = upload.mode ?? 0o600;
    pending.push(tarHeader({ name: inStage(upload.stagePath), type: "file", mode, size }));
    if (typeof upload.source !== "string") {
      pending.push(upload.source);
    } else if (packing) {
      flush();
      pieces.push({ file: await packer!.frame(upload.source, upload.sha256, packing) });
    } else {
      flush();
      pieces.push({ file: upload.source });
    }
    pending.push(padding(size));
  }
  const text = new TextEncoder().encode(script);
  pending.push(tarHeader({ name: STAGED_SCRIPT, type: "file", mode: 0o600, size: text.length }));
  pending.push(text, padding(text.length), END_OF_ARCHIVE);
  flush();
  return pieces;
}

/**
 * Bytes as one zstd frame (gzip member) that stores them as they are. The blocks made per
 * host (tar headers and padding, the script, a small generated file) are too small to be
 * worth compressing, and a compressor's native context for each would stay in the
 * controller's memory until a collection frees it.
 */
export function stored(bytes: Uint8Array, packing: Packing): Uint8Array {
  return packing === "zstd" ? storedZstd(bytes) : storedGzip(bytes);
}

/** zstd: magic, a frame header with a 128 KiB window, then raw blocks of at most 128 KiB (one, empty, for nothing). */
function storedZstd(bytes: Uint8Array): Uint8Array {
  const BLOCK = 128 * 1024;
  const parts: Uint8Array[] = [new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x00, 7 << 3])];
  for (let at = 0; at === 0 || at < bytes.length; at += BLOCK) {
    const block = bytes.subarray(at, at + BLOCK);
    const last = at + BLOCK >= bytes.length ? 1 : 0;
    const header = last | (block.length << 3);
    parts.push(new Uint8Array([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]), block);
  }
  return concat(parts);
}

/** gzip: a header, deflate's stored blocks of at most 65535 bytes, then the CRC-32 and the size. */
function storedGzip(bytes: Uint8Array): Uint8Array {
  const BLOCK = 65535;
  const parts: Uint8Array[] = [new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff])];
  for (let at = 0; at === 0 || at < bytes.length; at += BLOCK) {
    const block = bytes.subarray(at, at + BLOCK);
    const head = new DataView(new ArrayBuffer(5));
    head.setUint8(0, at + BLOCK >= bytes.length ? 1 : 0);
    head.setUint16(1, block.length, true);
    head.setUint16(3, ~block.length & 0xffff, true);
    parts.push(new Uint8Array(head.buffer), block);
  }
  const tail = new DataView(new ArrayBuffer(8));
  tail.setUint32(0, crc32(bytes), true);
  tail.setUint32(4, bytes.length % 2 ** 32, true);
  parts.push(new Uint8Array(tail.buffer));
  return concat(parts);
}

async function sizeOf(source: string | Uint8Array): Promise<number> {
  if (typeof source !== "string") return source.length;
  try {
    return (await Deno.stat(source)).size;
  } catch (error) {
    throw new InstallError(`Cannot upload ${source}: ${(error as Error).message}`, { cause: error });
  }
}
