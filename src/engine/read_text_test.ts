import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { quote } from "../transport/quote.ts";
import { runScript } from "./testing.ts";
import { holdsExactly, printJoined, printLines, readLine } from "./read_text.ts";

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

Deno.test("holdsExactly() tells a file that holds the text exactly from one a byte away", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const texts = [
      "line\n",
      "no newline at the end",
      "",
      "\n\n",
      "crlf\r\nlines\r\n",
      "  leading and trailing  \n\ttab\n",
      "back\\slash \\n and $HOME and 'quotes' \"too\"\n",
      "ünïcødé ✓ 日本\n",
    ];
    for (const [i, text] of texts.entries()) {
      const path = `${dir}/${i} it's`;
      await Deno.writeTextFile(path, text);
      const same = await runScript(`${holdsExactly(path, text)} && echo same || echo differs`);
      assertEquals(same.stdout, "same\n", JSON.stringify(text));
      for (const other of [`${text}\n`, text.slice(0, -1), `${text} `]) {
        if (other === text) continue;
        const differs = await runScript(`${holdsExactly(path, other)} && echo same || echo differs`);
        assertEquals(differs.stdout, "differs\n", `${JSON.stringify(text)} against ${JSON.stringify(other)}`);
      }
    }
    const missing = await runScript(`${holdsExactly(`${dir}/missing`, "")} && echo same || echo differs`);
    assertEquals(missing.stdout, "differs\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
