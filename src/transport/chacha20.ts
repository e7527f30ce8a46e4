/**
 * chacha20 ciphers that give their native memory back.
 *
 * Deno's `node:crypto` (2.9) keeps a cipher's native context in its resource table until
 * `final()` is called; garbage collection does not free it. ssh2, without its native
 * binding (as under Deno), encrypts chacha20-poly1305@openssh.com with three one-shot
 * `createCipheriv("chacha20", …).update(…)` per packet sent and two per packet received,
 * and never calls `final()`: about 270 bytes per cipher that stay until the process exits,
 * 1.1 MB per host on a fresh install, most of a 200-host run's memory.
 *
 * Importing this module makes `createCipheriv` and `createDecipheriv` of `node:crypto`'s
 * CommonJS object (what `require("crypto")` returns, which ssh2 reads when it loads)
 * hand out {@linkcode ChaCha20} for `"chacha20"`. Other algorithms are untouched, and ES
 * module imports of `node:crypto` keep the originals. Import it before ssh2 loads.
 *
 * @module
 */

import crypto from "node:crypto";
import { Buffer } from "node:buffer";

const BLOCK_BYTES = 64;
const createCipheriv = crypto.createCipheriv;

/**
 * A chacha20 keystream (OpenSSL's layout: a 16-byte IV of a 32-bit little-endian block
 * counter and a 12-byte nonce) that makes a fresh native cipher for every `update()`, at
 * the keystream position where the last one stopped, and finalizes it at once. Encrypting
 * and decrypting are the same operation.
 *
 * @example
 * ```ts
 * import { Buffer } from "node:buffer";
 * import { ChaCha20 } from "./chacha20.ts";
 * const key = Buffer.alloc(32, 1), iv = Buffer.alloc(16);
 * const sealed = new ChaCha20(key, iv).update(Buffer.from("hello"));
 * new ChaCha20(key, iv).update(sealed).toString(); // "hello"
 * ```
 */
export class ChaCha20 {
  readonly #key: Buffer;
  readonly #nonce: Buffer;
  #counter: number;
  /** Bytes of the current block's keystream already used. */
  #offset = 0;

  constructor(key: crypto.BinaryLike, iv: crypto.BinaryLike) {
    this.#key = Buffer.from(toBytes(key));
    const ivBytes = Buffer.from(toBytes(iv));
    if (ivBytes.length !== 16) {
      throw new RangeError(`Invalid chacha20 IV length: ${ivBytes.length}, expected 16`);
    }
    this.#counter = ivBytes.readUInt32LE(0);
    this.#nonce = ivBytes.subarray(4);
  }

  /** XORs `data` with the next `data.length` bytes of keystream. */
  update(data: NodeJS.ArrayBufferView): Buffer {
    const iv = Buffer.alloc(16);
    iv.writeUInt32LE(this.#counter, 0);
    this.#nonce.copy(iv, 4);
    const cipher = createCipheriv("chacha20", this.#key, iv);
    if (this.#offset) cipher.update(Buffer.alloc(this.#offset));
    const out = cipher.update(toBytes(data));
    cipher.final();
    const used = this.#offset + data.byteLength;
    this.#counter = (this.#counter + Math.floor(used / BLOCK_BYTES)) >>> 0;
    this.#offset = used % BLOCK_BYTES;
    return out;
  }

  /** A stream cipher has nothing left at the end. */
  final(): Buffer {
    return Buffer.alloc(0);
  }
}

function toBytes(value: crypto.BinaryLike): Uint8Array {
  if (typeof value === "string") return Buffer.from(value);
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

type CipherFactory = (algorithm: string, ...rest: unknown[]) => unknown;

const isBinaryLike = (value: unknown): value is crypto.BinaryLike =>
  typeof value === "string" || ArrayBuffer.isView(value);

/** A key given as a `KeyObject`, or no IV, still goes to Node's own cipher (and its checks). */
function releasing(original: CipherFactory): CipherFactory {
  return (algorithm, ...rest) => {
    const [key, iv] = rest;
    return algorithm === "chacha20" && isBinaryLike(key) && isBinaryLike(iv)
      ? new ChaCha20(key, iv)
      : original(algorithm, ...rest);
  };
}

const commonJs = crypto as unknown as Record<"createCipheriv" | "createDecipheriv", CipherFactory>;
commonJs.createCipheriv = releasing(commonJs.createCipheriv);
commonJs.createDecipheriv = releasing(commonJs.createDecipheriv);
