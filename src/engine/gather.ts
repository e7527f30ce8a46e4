import { quote } from "../transport/quote.ts";
import { ASK_HOST_UID, type Fact } from "./fact.ts";

/**
 * Composes the facts of a host into one shell script, so that they are gathered in a
 * single round trip, and splits its output back into each fact's output and exit code.
 * Each fact runs in the script's own shell (a group, not a subshell: no process of its
 * own); facts of one batch kind run as one command, whose output every one of them gets.
 * Markers carry a per-run nonce so that file contents cannot forge them.
 */
export function gatherScript(facts: Fact<unknown>[], nonce: string): string {
  const parts = sections(unique(facts)).map(({ keys, command }) =>
    keys.map((key) => `printf '%s\\n' ${quote(marker(nonce, "fact") + encodeKey(key))}\n`).join("") +
    `{ ${command}\n} 2>/dev/null\n` +
    `printf '\\n%s %s\\n' ${marker(nonce, "rc")} "$?"`
  );
  return `${ASK_HOST_UID}\n${parts.join("\n")}\n`;
}

/** The script's sections: a fact on its own, or every fact of a batch kind (at the first one's place). */
function sections(facts: Fact<unknown>[]): { keys: string[]; command: string }[] {
  const batches = Map.groupBy(facts.filter((fact) => fact.batch), (fact) => fact.batch!.kind);
  return facts.flatMap((fact) => {
    if (!fact.batch) return [{ keys: [fact.key], command: fact.command }];
    const batch = batches.get(fact.batch.kind)!;
    if (batch[0] !== fact) return [];
    const items = [...new Set(batch.flatMap((member) => member.batch!.items))];
    return [{ keys: batch.map((member) => member.key), command: fact.batch.command(items) }];
  });
}

/** Splits the output of `gatherScript` into raw outputs by fact key. */
export function parseGathered(output: string, nonce: string): Map<string, { output: string; code: number }> {
  const result = new Map<string, { output: string; code: number }>();
  const factMark = marker(nonce, "fact");
  const rcMark = marker(nonce, "rc");
  // A section starts with the markers of its facts, one per line, before any output.
  let keys: string[] = [];
  let lines: string[] | undefined;
  for (const line of output.split("\n")) {
    if (line.startsWith(factMark)) {
      const key = decodeURIComponent(line.slice(factMark.length));
      keys = lines === undefined ? [...keys, key] : [key];
      lines = undefined;
    } else if (keys.length && line.startsWith(rcMark + " ")) {
      // The script adds one newline before the rc marker; drop it again.
      const gathered = { output: (lines ?? []).join("\n"), code: Number(line.slice(rcMark.length + 1)) };
      for (const key of keys) result.set(key, gathered);
      keys = [];
      lines = undefined;
    } else if (keys.length) {
      (lines ??= []).push(line);
    }
  }
  return result;
}

function unique(facts: Fact<unknown>[]): Fact<unknown>[] {
  const seen = new Map<string, Fact<unknown>>();
  for (const fact of facts) if (!seen.has(fact.key)) seen.set(fact.key, fact);
  return [...seen.values()];
}

/** A line the host's script marks its output with: `@@muster-NONCE-KIND:`. */
export function marker(nonce: string, kind: string): string {
  return `@@muster-${nonce}-${kind}:`;
}

function encodeKey(key: string): string {
  return encodeURIComponent(key).replaceAll("'", "%27");
}
