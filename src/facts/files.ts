import type { Fact } from "../engine/fact.ts";
import { printExact } from "../engine/read_text.ts";
import { quote, raw, sh } from "../transport/quote.ts";

export { parsePaths, pathsFact, type PathState } from "../engine/paths.ts";

/** SHA-256 of each existing regular file among `paths`. */
export function sha256Fact(paths: string[]): Fact<Map<string, string>> {
  return {
    key: `sha256:${paths.join("\0")}`,
    command: sh`for f in ${paths}; do [ -f "$f" ] && [ ! -L "$f" ] && sha256sum -- "$f"; done; true`,
    parse: parseSha256,
  };
}

/** Parses `sha256sum` output. */
export function parseSha256(output: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of output.split("\n")) {
    const match = /^([0-9a-f]{64}) [ *](.*)$/.exec(line);
    if (match) sums.set(match[2], match[1]);
  }
  return sums;
}

/**
 * The text of a regular file, or undefined when it does not exist. Read by the shell's own
 * `read`, line by line, the last line as it ends (with or without a newline): no process on
 * the host. For the small text files an app templates; NUL bytes do not survive the shell.
 */
export function contentFact(path: string): Fact<string | undefined> {
  return {
    key: `content:${path}`,
    // An unreadable file reads as empty, as a failed base64 of it did.
    command: sh`if [ -f ${path} ] && [ ! -L ${path} ]; then printf 'present\\n'; ${
      raw(printExact(quote(path)))
    }; fi`,
    parse: parseContent,
  };
}

/** Parses the output of `contentFact`. */
export function parseContent(output: string): string | undefined {
  return output.startsWith("present\n") ? output.slice("present\n".length) : undefined;
}

/** Names of the entries of a directory (empty when missing). */
export function listFact(dir: string): Fact<string[]> {
  return {
    key: `list:${dir}`,
    command: sh`[ -d ${dir} ] && ls -A -- ${dir}; true`,
    parse: (output) => output.split("\n").filter(Boolean),
  };
}
