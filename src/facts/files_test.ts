import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { gatherScript, parseGathered } from "../engine/gather.ts";
import { runScript } from "../engine/testing.ts";
import { contentFact } from "./files.ts";

Deno.test("contentFact() reads a text file exactly, through the gathering script, without a process", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const texts: Record<string, string> = {
      newline: "a: 1\nb: two\n",
      open: "no final newline",
      empty: "",
      blank: "\n\n  indented\t tab \\ back\\slash \\n -n -e %s\n\n",
      crlf: "one\r\ntwo\r\n",
      utf8: "ünïcödé ✓ $(touch x) `y` 'q' \"d\"\n",
    };
    for (const [name, text] of Object.entries(texts)) await Deno.writeTextFile(`${dir}/${name}`, text);
    await Deno.symlink(`${dir}/newline`, `${dir}/link`);
    const facts = [...Object.keys(texts), "link", "missing"].map((name) => contentFact(`${dir}/${name}`));
    // No program can be found: the facts must start none (the script's own `id -u` is dropped).
    const script = gatherScript(facts, "n").replace(/^muster_uid=.*\n/, "");
    const result = await runScript(`muster_uid=0; PATH=${dir}/no-programs\n${script}`);
    const gathered = parseGathered(result.stdout, "n");
    const read = facts.map((fact) => fact.parse(gathered.get(fact.key)!.output, 0));
    assertEquals(read, [...Object.values(texts), undefined, undefined]);
    assertEquals(await Deno.stat(`${dir}/x`).then(() => true, () => false), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
