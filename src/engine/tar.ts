/**
 * Tar archive blocks, written by hand: the headers of regular files and directories
 * (POSIX ustar, with a pax header where a name or size does not fit), their padding and
 * the archive's end. npm's tar-stream does not export its header encoder, and its packer
 * makes the whole archive one stream, where muster interleaves these blocks with file
 * contents compressed once for every host (`bundle.ts`).
 */

/** Size of a tar block: headers, and the unit contents are padded to. */
export const BLOCK = 512;

/** The two zero blocks that end an archive. */
export const END_OF_ARCHIVE: Uint8Array = new Uint8Array(2 * BLOCK);

/** One member's header: a regular file of `size` bytes, or a directory. */
export interface TarEntry {
  /** Path inside the archive, relative, `/`-separated. */
  name: string;
  type: "file" | "directory";
  mode: number;
  /** @default 0 */
  size?: number;
}

/** Largest size the ustar header's 11 octal digits hold (8 GiB - 1). */
const MAX_USTAR_SIZE = 8 ** 11 - 1;

/**
 * The header block(s) of an entry: one ustar block, or a pax header (with the name or size
 * that does not fit) and then the ustar block. uid and gid are 0, mtime is 0: muster's
 * unpacking runs `tar -m` (times are the unpacking's) and owners are given by the script.
 */
export function tarHeader(entry: TarEntry): Uint8Array {
  const size = entry.type === "file" ? entry.size ?? 0 : 0;
  const name = entry.type === "directory" && !entry.name.endsWith("/") ? `${entry.name}/` : entry.name;
  const split = splitName(name);
  const records = [
    ...(split ? [] : [paxRecord("path", name)]),
    ...(size > MAX_USTAR_SIZE ? [paxRecord("size", String(size))] : []),
  ];
  const ustar = ustarBlock({
    name: split?.name ?? name.slice(-100).replace(/^[^/]*\//, ""),
    prefix: split?.prefix ?? "",
    mode: entry.mode,
    size: size > MAX_USTAR_SIZE ? 0 : size,
    type: entry.type === "file" ? "0" : "5",
  });
  if (records.length === 0) return ustar;
  const body = new TextEncoder().encode(records.join(""));
  const pax = ustarBlock({ name: "PaxHeader", prefix: "", mode: 0o644, size: body.length, type: "x" });
  return concat([pax, body, padding(body.length), ustar]);
}

/** The zero bytes after `size` bytes of content, up to the next block. */
export function padding(size: number): Uint8Array {
  return new Uint8Array((BLOCK - size % BLOCK) % BLOCK);
}

/** Bytes one after another. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A name as ustar's prefix (155 bytes) and name (100 bytes) fields, split at a `/`; undefined if it cannot be. */
function splitName(name: string): { prefix: string; name: string } | undefined {
  const bytes = new TextEncoder().encode(name).length;
  if (bytes <= 100) return { prefix: "", name };
  for (let at = name.indexOf("/"); at > 0; at = name.indexOf("/", at + 1)) {
    const prefix = name.slice(0, at);
    const rest = name.slice(at + 1);
    const fits = (text: string, max: number) => new TextEncoder().encode(text).length <= max;
    if (fits(prefix, 155) && fits(rest, 100) && rest.length > 0) return { prefix, name: rest };
  }
  return undefined;
}

/** A pax record, `LENGTH KEY=VALUE\n`, whose length counts its own digits. */
function paxRecord(key: string, value: string): string {
  const rest = new TextEncoder().encode(` ${key}=${value}\n`).length;
  let length = rest + String(rest).length;
  if (String(length).length !== String(rest).length) length = rest + String(length).length;
  return `${length} ${key}=${value}\n`;
}

function ustarBlock(
  fields: { name: string; prefix: string; mode: number; size: number; type: string },
): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const encoder = new TextEncoder();
  const put = (at: number, text: string) => block.set(encoder.encode(text), at);
  const octal = (at: number, width: number, value: number) =>
    put(at, `${value.toString(8).padStart(width - 1, "0")}\0`);
  put(0, fields.name);
  octal(100, 8, fields.mode);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, fields.size);
  octal(136, 12, 0);
  put(148, "        ");
  put(156, fields.type);
  put(257, "ustar\0");
  put(263, "00");
  put(345, fields.prefix);
  const sum = block.reduce((total, byte) => total + byte, 0);
  put(148, `${sum.toString(8).padStart(6, "0")}\0 `);
  return block;
}
