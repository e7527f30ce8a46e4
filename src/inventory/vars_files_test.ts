import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { join } from "node:path";
import { mergeLayers, VarsDirectory } from "./vars_files.ts";

function tree(files: Record<string, string>): string {
  const dir = Deno.makeTempDirSync();
  for (const [path, text] of Object.entries(files)) {
    Deno.mkdirSync(join(dir, path, ".."), { recursive: true });
    Deno.writeTextFileSync(join(dir, path), text);
  }
  return dir;
}

Deno.test("VarsDirectory reads the first of NAME, NAME.yml, NAME.yaml, NAME.json", () => {
  const dir = tree({
    "group_vars/web": "from: plain\n",
    "group_vars/web.yml": "from: yml\n",
    "group_vars/db.json": '{"from": "json"}',
    "host_vars/h1.yaml": "x: 1\n",
  });
  const vars = new VarsDirectory(dir);
  assertEquals(vars.vars("group", "web")?.vars, { from: "plain" });
  assertEquals(vars.vars("group", "db")?.vars, { from: "json" });
  assertEquals(vars.vars("host", "h1")?.vars, { x: 1 });
  assertEquals(vars.vars("host", "nobody"), undefined);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("VarsDirectory reads a directory of files in order, skipping hidden and backup files", () => {
  const dir = tree({
    "group_vars/web/10.yml": "a: 1\nb: 1\n",
    "group_vars/web/20": "b: 2\n",
    "group_vars/web/sub/30.yaml": "c: 3\n",
    "group_vars/web/.hidden.yml": "h: 1\n",
    "group_vars/web/x.yml~": "t: 1\n",
    "group_vars/web/notes.txt": "n: 1\n",
    "group_vars/web/empty.yml": "",
  });
  const layer = new VarsDirectory(dir).vars("group", "web")!;
  assertEquals(layer.vars, { a: 1, b: 2, c: 3 });
  assertEquals(layer.positions.b, { file: join(dir, "group_vars/web/20"), line: 1, col: 1 });
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("VarsDirectory rejects a variables file that is not a mapping", () => {
  const dir = tree({ "group_vars/all.yml": "- a\n- b\n" });
  assertThrows(
    () => new VarsDirectory(dir).vars("group", "all"),
    /all\.yml:1:1: Invalid variables file: expected a mapping/,
  );
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("mergeLayers() lets later layers replace whole values", () => {
  const at = { file: "f", line: 1, col: 1 };
  const merged = mergeLayers([
    { vars: { a: { x: 1 }, b: 1 }, positions: { a: at, b: at } },
    undefined,
    { vars: { a: { y: 2 } }, positions: {} },
  ]);
  assertEquals(merged.vars, { a: { y: 2 }, b: 1 });
  assertEquals(merged.positions, { b: at });
});
