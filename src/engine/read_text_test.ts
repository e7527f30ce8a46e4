import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { quote } from "../transport/quote.ts";
import { runScript } from "./testing.ts";
import { printJoined, printLines, readLine } from "./read_text.ts";

Deno.test("printJoined() prints a file's lines joined, as tr -d '\\n' does, and nothing for a missing file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const text = '{"a": "x\\\\n y",\n  "b": 1\n}';
    await Deno.writeTextFile(`${dir}/release.json`, text);
    await Deno.writeTextFile(`${dir}/open`, "one\ntwo");
    for (const name of ["release.json", "open"]) {
      const path = quote(`${dir}/${name}`);
      const ours = await runScript(printJoined(path));
      const tr = await runScript(`tr -d '\\n' < ${path}`);
      assertEquals(ours.stdout, tr.stdout);
    }
    assertEquals((await runScript(printJoined(quote(`${dir}/missing`)))).stdout, "");
    assertEquals((await runScript(printLines(quote(`${dir}/open`)))).stdout, "one\ntwo\n");
    assertEquals((await runScript(`${readLine("v", `${dir}/open`)}; printf '%s' "$v"`)).stdout, "one");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
