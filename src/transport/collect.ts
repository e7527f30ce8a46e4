/**
 * Major garbage collections paced by the bytes uploaded.
 *
 * ssh2 copies every 32 KiB of channel data into a packet buffer of its own and encrypts it
 * into another. Those still queued for the socket when V8 scavenges its young generation
 * are moved to the old one, where their memory (outside the JS heap) waits for a major
 * collection, which V8 paces by the JS heap's growth, not by theirs. On a 200-host fresh
 * install that garbage was 35–40 MB of the controller's peak RSS.
 *
 * Where `gc` is exposed (`--v8-flags=--expose-gc`, as the `muster` task runs), an
 * asynchronous major collection after every {@linkcode UPLOAD_BYTES_PER_GC} bytes uploaded
 * gives it back. Without the flag this does nothing.
 *
 * @module
 */

/** Bytes uploaded, fleet-wide, between two requested collections. */
export const UPLOAD_BYTES_PER_GC = 32 * 1024 * 1024;

type Collect = (options: { type: "major"; execution: "async" }) => void;

let uploaded = 0;

/**
 * Counts `bytes` as uploaded, and asks V8 for a major collection each time another
 * {@linkcode UPLOAD_BYTES_PER_GC} have gone.
 *
 * @example
 * ```ts
 * import { noteUploaded } from "./collect.ts";
 * noteUploaded(128 * 1024); // after each chunk written to a channel
 * ```
 */
export function noteUploaded(bytes: number): void {
  const collect = (globalThis as { gc?: Collect }).gc;
  if (typeof collect !== "function") return;
  uploaded += bytes;
  if (uploaded < UPLOAD_BYTES_PER_GC) return;
  uploaded %= UPLOAD_BYTES_PER_GC;
  collect({ type: "major", execution: "async" });
}
