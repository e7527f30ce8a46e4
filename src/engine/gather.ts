import { quote } from "../transport/quote.ts";
import { ASK_HOST_UID, type Fact } from "./fact.ts";

/**
 * Composes the facts of a host into one shell script, so that they are gathered in a
 * single round trip, and splits its output back into each fact's output and exit code.
 * Markers carry a per-run nonce so that file contents cannot forge them.
 */
export function gatherScript(facts: Fact<unknown>[], nonce: string): string {
  const parts = unique(facts).map((fact) =>
    `printf '%s\\n' ${quote(marker(nonce, "fact") + encodeKey(fact.key))}\n` +
    `( ${fact.command}\n) 2>/dev/null\n` +
    `printf '\\n%s %s\\n' ${marker(nonce, "rc")} "$?"`
  );
  return `${ASK_HOST_UID}\n${parts.join("\n")}\n`;
}

/** Splits the output of `gatherScript` into raw outputs by fact key. */
export function parseGathered(output: string, nonce: string): Map<string, { output: string; code: number }> {
  const result = new Map<string, { output: string; code: number }>();
  const factMark = marker(nonce, "fact");
  const rcMark = marker(nonce, "rc");
  let key: string | undefined;
  let lines: string[] = [];
  for (const line of output.split("\n")) {
    if (line.startsWith(factMark)) {
      key = decodeURIComponent(line.slice(factMark.length));
      lines = [];
    } else if (key !== undefined && line.startsWith(rcMark + " ")) {
      // The script adds one newline before the rc marker; drop it again.
      result.set(key, { output: lines.join("\n"), code: Number(line.slice(rcMark.length + 1)) });
      key = undefined;
    } else if (key !== undefined) {
      lines.push(line);
    }
  }
  return result;
}

function unique(facts: Fact<unknown>[]): Fact<unknown>[] {
  const seen = new Map<string, Fact<unknown>>();
  for (const fact of facts) if (!seen.has(fact.key)) seen.set(fact.key, fact);
  return [...seen.values()];
}

function marker(nonce: string, kind: string): string {
  return `@@muster-${nonce}-${kind}:`;
}

function encodeKey(key: string): string {
  return encodeURIComponent(key).replaceAll("'", "%27");
}
