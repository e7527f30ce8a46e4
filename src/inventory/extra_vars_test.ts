import {
  deepStrictEqual as assertEquals,
  rejects as assertRejects,
  throws as assertThrows,
} from "node:assert/strict";
import { join } from "node:path";
import { UsageError } from "../engine/errors.ts";
import { parseExtraVars, parseKeyValues, splitArgs } from "./extra_vars.ts";

Deno.test("parseKeyValues() reads k=v words as strings, as Ansible's parse_kv", () => {
  assertEquals(parseKeyValues(`a=1 b=two name="a b" x='c d' k=a=b`), {
    a: "1",
    b: "two",
    name: "a b",
    x: "c d",
    k: "a=b",
  });
  assertEquals(parseKeyValues(String.raw`nl=v\nw u=\u00e9`), { nl: "v\nw", u: "é" });
  assertEquals(parseKeyValues(`j={{ a }} k="{{ b c }}"`), { j: "{{ a }}", k: "{{ b c }}" });
});

Deno.test("parseKeyValues() rejects words without '='", () => {
  assertThrows(() => parseKeyValues("flame_prefix /opt"), UsageError);
});

Deno.test("splitArgs() keeps quoted text and Jinja blocks together", () => {
  assertEquals(splitArgs(`a="x y" b={{ c d }} e`), [`a="x y"`, "b={{ c d }}", "e"]);
  assertThrows(() => splitArgs(`a="open`), UsageError);
});

Deno.test("parseExtraVars() merges k=v, JSON, YAML and @file values, later ones winning", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "vars.yml");
  await Deno.writeTextFile(file, "from_file: yes\nx: file\n");
  assertEquals(
    await parseExtraVars(["x=kv y=1", '{"x": "json", "n": 2}', `@${file}`, "{z: [1, two]}"]),
    { x: "file", y: "1", n: 2, from_file: true, z: [1, "two"] },
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("parseExtraVars() rejects lists, bare paths and missing files", async () => {
  await assertRejects(() => parseExtraVars(["[1, 2]"]), /expected a mapping/);
  await assertRejects(() => parseExtraVars(["./vars.yml"]), /prepend extra_vars filename/);
  await assertRejects(() => parseExtraVars(["@/nonexistent/vars.yml"]), /not found/);
  await assertRejects(() => parseExtraVars(["{bad: [yaml"]), UsageError);
});
