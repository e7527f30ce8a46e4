import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { quote, raw, sh } from "./quote.ts";

/** Values that break naive quoting; each must arrive at the shell as exactly one, unchanged word. */
export const HOSTILE = [
  "plain",
  "with space",
  "it's",
  'double "quoted"',
  "$(touch /tmp/pwned)",
  "`id`",
  "line\nbreak",
  "*",
  "glob?[ab]",
  "-rf",
  "--force",
  "",
  "ünïcødé ✓",
  "semi;colon && echo x | cat > y",
  "back\\slash",
  "tab\there",
  "$HOME ${PATH}",
  "'",
  "''",
  "~root",
];

async function echoWords(command: string): Promise<string[]> {
  const out = await new Deno.Command("sh", { args: ["-c", command], stdout: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  return text.split("\0").slice(0, -1);
}

Deno.test("quote() leaves safe words alone and quotes everything else", () => {
  assertEquals(quote("/usr/local/flame"), "/usr/local/flame");
  assertEquals(quote("it's"), `'it'"'"'s'`);
  assertEquals(quote("-rf"), "'-rf'");
  assertEquals(quote(""), "''");
  assertEquals(quote(8080), "8080");
});

Deno.test("quote() makes hostile values arrive unchanged at a real shell", async () => {
  const words = await echoWords(`printf '%s\\0' ${HOSTILE.map(quote).join(" ")}`);
  assertEquals(words, HOSTILE);
});

Deno.test("sh`` quotes interpolations, spreads arrays and inserts raw() text as is", async () => {
  const command = sh`printf '%s\\0' ${HOSTILE} ${raw("$((1+2))")}`;
  assertEquals(await echoWords(command), [...HOSTILE, "3"]);
});
