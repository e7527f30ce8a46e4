/**
 * Uploads compressed once per run: the controller compresses each file the first time a
 * host needs it, and every host able to unpack it receives the compressed bytes. Release
 * binaries shrink to about 40% (fewer bytes to encrypt on the controller and decrypt on
 * the host); a file that does not shrink by a tenth, or is small, is sent as it is.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { constants, createGzip, createZstdCompress, zstdCompressSync } from "node:zlib";
import { type Packing, PACKINGS } from "../transport/packing.ts";
import { InstallError } from "./errors.ts";
import type { Fact } from "./fact.ts";
import { limiter } from "./fleet.ts";

/** Files smaller than this are sent as they are: compressing them saves less than it costs. */
const MIN_BYTES = 256 * 1024;
/** Compressed, a file must be at most this share of its size to be sent compressed. */
const WORTH = 0.9;
/** Bytes of each of the three samples (start, middle, end) that tell whether a file compresses. */
const SAMPLE_BYTES = 64 * 1024;

/** The packings whose command the host has (`zstd`, `gzip`), in muster's order. */
export const packingsFact: Fact<Packing[]> = {
  key: "packings",
  command: `for p in ${PACKINGS.join(" ")}; do command -v "$p" >/dev/null 2>&1 && echo "$p"; done; true`,
  parse: (output) => {
    const found = output.split("\n");
    return PACKINGS.filter((packing) => found.includes(packing));
  },
};

/** A file as sent: compressed with `packing`, at `path` on the controller. */
export interface Packed {
  path: string;
  packing: Packing;
}

/** Compresses the run's uploads, each once, into a directory of its own that `close()` removes. */
export class Packer {
  readonly #packings: readonly Packing[];
  readonly #packed = new Map<string, Promise<string | undefined>>();
  /** One file compressed at a time: the first is ready soonest, and memory stays bounded. */
  readonly #queue = limiter(1);
  #dir?: Promise<string>;

  /** @param packings the packings allowed, in order of preference; empty sends every file as it is */
  constructor(packings: readonly Packing[] = PACKINGS) {
    this.#packings = packings;
  }

  /** The first allowed packing the host has, if any. */
  packingFor(hostHas: readonly Packing[]): Packing | undefined {
    return this.#packings.find((candidate) => hostHas.includes(candidate));
  }

  /**
   * The file `source` (whose SHA-256 is `sha256`) compressed with the first allowed packing
   * the host has, or undefined when it is to be sent as it is.
   */
  async pack(
    source: string | Uint8Array,
    sha256: string,
    hostHas: readonly Packing[],
  ): Promise<Packed | undefined> {
    const packing = this.packingFor(hostHas);
    if (!packing || typeof source !== "string") return undefined;
    const key = `${packing}:${sha256}`;
    let packed = this.#packed.get(key);
    if (!packed) {
      packed = this.#queue(() => this.#compress(source, sha256, packing));
      this.#packed.set(key, packed);
    }
    const path = await packed;
    return path === undefined ? undefined : { path, packing };
  }

  /**
   * The file `source` compressed with `packing` whatever its size or gain, as one frame
   * (gzip: member) of the archive a host unpacks (`bundle.ts`): the `pack()` file where
   * there is one, else compressed once for the run too.
   *
   * @throws {InstallError} when the file cannot be read
   */
  async frame(source: string, sha256: string, packing: Packing): Promise<string> {
    const packed = await this.pack(source, sha256, [packing]);
    if (packed?.packing === packing) return packed.path;
    const key = `${packing}:${sha256}:always`;
    let framed = this.#packed.get(key);
    if (!framed) {
      framed = this.#queue(() => this.#compress(source, sha256, packing, { always: true }));
      this.#packed.set(key, framed);
    }
    const path = await framed;
    if (path === undefined) throw new InstallError(`Cannot read ${source} to upload it`);
    return path;
  }

  /** Removes the compressed files. */
  async close(): Promise<void> {
    const dir = await this.#dir?.catch(() => undefined);
    if (dir) await Deno.remove(dir, { recursive: true }).catch(() => {});
  }

  async #compress(
    source: string,
    sha256: string,
    packing: Packing,
    { always = false } = {},
  ): Promise<string | undefined> {
    try {
      if (!always && !(await compressible(source))) return undefined;
      this.#dir ??= Deno.makeTempDir({ prefix: "muster-packed-" });
      const name = `${sha256}${always ? ".always" : ""}`;
      const target = `${await this.#dir}/${name}.${packing === "zstd" ? "zst" : "gz"}`;
      const compress = packing === "zstd"
        ? createZstdCompress({ params: { [constants.ZSTD_c_checksumFlag]: 1 } })
        : createGzip();
      await pipeline(createReadStream(source), compress, createWriteStream(target, { mode: 0o600 }));
      const [before, after] = await Promise.all([Deno.stat(source), Deno.stat(target)]);
      if (always || after.size <= before.size * WORTH) return target;
      await Deno.remove(target);
      return undefined;
    } catch {
      // A file that cannot be read here fails its upload, with the upload's own message.
      return undefined;
    }
  }
}

/** Whether a file is large enough, and three samples of it shrink enough, to send it compressed. */
async function compressible(path: string): Promise<boolean> {
  using file = await Deno.open(path);
  const { size } = await file.stat();
  if (size < MIN_BYTES) return false;
  const sample = new Uint8Array(SAMPLE_BYTES * 3);
  let filled = 0;
  for (const at of [0, Math.floor(size / 2), size - SAMPLE_BYTES]) {
    await file.seek(at, Deno.SeekMode.Start);
    const end = filled + SAMPLE_BYTES;
    while (filled < end) {
      const read = await file.read(sample.subarray(filled, end));
      if (read === null) break;
      filled += read;
    }
  }
  return zstdCompressSync(sample.subarray(0, filled)).length <= filled * WORTH;
}
