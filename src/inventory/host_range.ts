/**
 * Host patterns of Ansible inventories: `name:port`, `[ipv6]:port`, and ranges such as
 * `node[01:20]`, `[a:f]`, `[0:10:2]` (several in one name), expanded as Ansible does.
 */

/** A host pattern Ansible cannot expand. */
export class HostPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HostPatternError";
  }
}

const NUMERIC_RANGE = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const HEX_RANGE = String.raw`\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`;
const ALNUM_RANGE = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const IPV6_PART = String.raw`(?:[0-9a-f]{1,4}|${HEX_RANGE})`;
const IPV4_PART = String.raw`(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${NUMERIC_RANGE})`;
const WORD = String.raw`[\p{L}\p{N}_]`;
const LABEL = String.raw`(?:${WORD}|${ALNUM_RANGE})(?:${WORD}|-|${ALNUM_RANGE})*(?<![_-])`;

const BRACKETED_HOSTPORT = /^\[(.+)\]:([0-9]+)$/;
const HOSTPORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/;
const IPV4 = new RegExp(String.raw`^(?:${IPV4_PART}\.){3}${IPV4_PART}$`, "i");
const IPV6 = new RegExp(
  "^(?:" + [
    `(?:${IPV6_PART}:){7}${IPV6_PART}`,
    `(?:${IPV6_PART}:){1,6}:`,
    `(?:${IPV6_PART}:)(?::${IPV6_PART}){1,6}`,
    `(?:${IPV6_PART}:){2}(?::${IPV6_PART}){1,5}`,
    `(?:${IPV6_PART}:){3}(?::${IPV6_PART}){1,4}`,
    `(?:${IPV6_PART}:){4}(?::${IPV6_PART}){1,3}`,
    `(?:${IPV6_PART}:){5}(?::${IPV6_PART}){1,2}`,
    `(?:${IPV6_PART}:){6}(?::${IPV6_PART})`,
    `:(?::${IPV6_PART}){1,6}`,
    `${IPV6_PART}?::`,
    String.raw`(?:0:){6}(?:${IPV6_PART}\.){3}${IPV6_PART}`,
    String.raw`::(?:ffff:)?(?:${IPV6_PART}\.){3}${IPV6_PART}`,
    String.raw`(?:0:){5}ffff:(?:${IPV6_PART}\.){3}${IPV6_PART}`,
  ].join("|") + ")$",
  "i",
);
const HOSTNAME = new RegExp(String.raw`^${LABEL}(?:\.${LABEL})*$`, "iu");

/** Host names Ansible takes for this machine (its `C.LOCALHOST`). */
export const LOCALHOST_NAMES: readonly string[] = ["127.0.0.1", "localhost", "::1"];

/**
 * Splits `host:port` or `[host]:port` as Ansible's `parse_address` does; throws when the
 * rest is not a hostname, an IPv4 or an IPv6 address (ranges allowed if asked).
 *
 * @example
 * ```ts
 * import { parseAddress } from "./host_range.ts";
 * parseAddress("db[1:3]:2222", true); // => { host: "db[1:3]", port: 2222 }
 * ```
 */
export function parseAddress(address: string, allowRanges = false): { host: string; port?: number } {
  let port: number | undefined;
  for (const pattern of [BRACKETED_HOSTPORT, HOSTPORT]) {
    const m = pattern.exec(address);
    if (m) {
      address = m[1];
      port = parseInt(m[2], 10);
    }
  }
  if (!IPV4.test(address) && !IPV6.test(address) && !HOSTNAME.test(address)) {
    throw new HostPatternError(`Not a valid network hostname: ${address}`);
  }
  if (!allowRanges && address.includes("[")) {
    throw new HostPatternError("Detected range in host but was asked to ignore ranges");
  }
  return { host: address, port };
}

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** Python's `int()` of a string, or undefined when Python would raise. */
function pythonInt(text: string): number | undefined {
  if (!/^\s*[-+]?[0-9]+(?:_[0-9]+)*\s*$/.test(text)) return undefined;
  return parseInt(text.trim().replaceAll("_", ""), 10);
}

/** Python's `str.zfill`. */
function zfill(text: string, width: number): string {
  const sign = text[0] === "-" || text[0] === "+" ? text[0] : "";
  const digits = sign ? text.slice(1) : text;
  return sign + digits.padStart(width - sign.length, "0");
}

/**
 * Expands every `[begin:end]` or `[begin:end:step]` range of a host name, first range
 * first, as Ansible's `expand_hostname_range` does. Zero-padded begins keep their width;
 * single letters expand over `a-z` then `A-Z`.
 *
 * @example
 * ```ts
 * import { expandHostnameRange } from "./host_range.ts";
 * expandHostnameRange("db[01:03]-[a:b]"); // => ["db01-a", "db01-b", "db02-a", "db02-b", "db03-a", "db03-b"]
 * ```
 */
export function expandHostnameRange(line: string): string[] {
  const parts = line.replace("[", "|").replace("]", "|").split("|");
  if (parts.length !== 3) throw new HostPatternError(`Invalid host range in '${line}': expected [begin:end]`);
  const [head, range, tail] = parts;
  const bounds = range.split(":");
  if (bounds.length !== 2 && bounds.length !== 3) {
    throw new HostPatternError(`Invalid host range [${range}]: expected begin:end or begin:end:step`);
  }
  const beg = bounds[0] || "0";
  const end = bounds[1];
  const stepText = bounds.length === 3 ? bounds[2] : "1";
  if (!end) throw new HostPatternError(`Invalid host range [${range}]: the end value is missing`);
  let fill = (x: number | string) => String(x);
  if (beg[0] === "0" && beg.length > 1) {
    if (beg.length !== end.length) {
      throw new HostPatternError(
        `Invalid host range [${range}]: a zero-padded begin and the end must have the same width`,
      );
    }
    fill = (x) => zfill(String(x), beg.length);
  }
  const step = pythonInt(stepText);
  let seq: (number | string)[] | undefined;
  const iBeg = LETTERS.indexOf(beg);
  const iEnd = LETTERS.indexOf(end);
  if (iBeg >= 0 && iEnd >= 0) {
    if (iBeg > iEnd) throw new HostPatternError(`Invalid host range [${range}]: begin must be <= end`);
    if (step !== undefined && step !== 0) {
      seq = [];
      if (step > 0) { for (let i = iBeg; i <= iEnd; i += step) seq.push(LETTERS[i]); }
    }
  }
  if (!seq) {
    const b = pythonInt(beg);
    const e = pythonInt(end);
    if (b === undefined || e === undefined || step === undefined) {
      throw new HostPatternError(
        `Invalid host range [${range}]: expected numbers or single letters, and a numeric step`,
      );
    }
    if (step === 0) throw new HostPatternError(`Invalid host range [${range}]: the step must not be zero`);
    seq = [];
    if (step > 0) { for (let i = b; i <= e; i += step) seq.push(i); }
    else for (let i = b; i > e + 1; i += step) seq.push(i);
  }
  const hosts: string[] = [];
  for (const item of seq) {
    const name = head + fill(item) + tail;
    if (name.includes("[")) hosts.push(...expandHostnameRange(name));
    else hosts.push(name);
  }
  return hosts;
}

/**
 * Expands a host pattern of an inventory into host names and the port that applies to
 * all of them, as Ansible's `_expand_hostpattern` does.
 *
 * @example
 * ```ts
 * import { expandHostPattern } from "./host_range.ts";
 * expandHostPattern("web[1:3:2].example.com:2222");
 * // => { hosts: ["web1.example.com", "web3.example.com"], port: 2222 }
 * ```
 */
export function expandHostPattern(pattern: string): { hosts: string[]; port?: number } {
  let host = pattern;
  let port: number | undefined;
  try {
    ({ host, port } = parseAddress(pattern, true));
  } catch (error) {
    if (!(error instanceof HostPatternError)) throw error;
  }
  return { hosts: host.includes("[") ? expandHostnameRange(host) : [host], port };
}
