import { deepStrictEqual as assertEquals, strictEqual } from "node:assert/strict";
import { join } from "node:path";
import { loadInventory } from "./load.ts";
import { graph, hostVars, listJson } from "./render.ts";

async function inventory(text: string) {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(dir, "hosts"), text);
  const loaded = await loadInventory([join(dir, "hosts")], { extraVars: { inventory_dir: "hidden" } });
  await Deno.remove(dir, { recursive: true });
  return loaded;
}

const TEXT = "[web]\nw1 x=1\n[db]\n[top:children]\nweb\n";

Deno.test("listJson() lists groups reachable from all, leaving empty ones and internal vars out", async () => {
  assertEquals(listJson(await inventory(TEXT)), {
    _meta: { hostvars: { w1: { x: 1 } } },
    all: { children: ["ungrouped", "db", "top"] },
    top: { children: ["web"] },
    web: { hosts: ["w1"] },
  });
});

Deno.test("graph() draws the tree as ansible-inventory --graph", async () => {
  const inv = await inventory(TEXT);
  strictEqual(graph(inv), "@all:\n  |--@ungrouped:\n  |--@db:\n  |--@top:\n  |  |--@web:\n  |  |  |--w1");
  strictEqual(graph(inv, "top"), "@top:\n  |--@web:\n  |  |--w1");
});

Deno.test("hostVars() gives one host's variables", async () => {
  assertEquals(hostVars(await inventory(TEXT), "w1"), { x: 1 });
});
