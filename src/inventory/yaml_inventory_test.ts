import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { InventoryError } from "../engine/errors.ts";
import { InventoryData } from "./inventory_data.ts";
import { parseYaml } from "./yaml_file.ts";
import { readYamlInventory } from "./yaml_inventory.ts";

function read(text: string): InventoryData {
  const data = new InventoryData();
  readYamlInventory(parseYaml(text, "inv.yml") as Record<string, unknown>, "inv.yml", data);
  return data;
}

Deno.test("readYamlInventory() reads groups, children, hosts and vars at any depth", () => {
  const data = read(
    "all:\n  vars:\n    x: 1\n  children:\n    a:\n      children:\n        b:\n          hosts:\n            h1:\n" +
      "              v: 2\n    c:\n      children:\n        b:\n",
  );
  assertEquals(data.groups.get("all")!.vars, { x: 1 });
  assertEquals(data.groups.get("b")!.parents.map((g) => g.name), ["a", "c"]);
  assertEquals(data.hosts.get("h1")!.vars, { v: 2 });
});

Deno.test("readYamlInventory() accepts a string for a single host or child", () => {
  const data = read("web:\n  hosts: w1\n  children: sub\n");
  assertEquals(data.groups.get("web")!.hosts.map((h) => h.name), ["w1"]);
  assertEquals(data.groups.get("web")!.children.map((g) => g.name), ["sub"]);
});

Deno.test("readYamlInventory() keeps the written order of numeric host names", () => {
  const data = read("all:\n  hosts:\n    web:\n    '42':\n    '7':\n");
  assertEquals(data.groups.get("all")!.hosts.map((h) => h.name), ["web", "42", "7"]);
});

const errors: [string, string, RegExp][] = [
  [
    "all:\n  hosts:\n    - h1\n",
    "inv.yml:3:5",
    /Invalid "hosts" entry for "all" group: expected a mapping, got a list/,
  ],
  ["all:\n  host:\n    h1:\n", "inv.yml:2:3", /Unexpected key 'host' in group 'all'.*did you mean 'hosts'\?/],
  ["web: [a]\n", "inv.yml:1:6", /Invalid group 'web': expected a mapping/],
  [
    "all:\n  hosts:\n    h1: oops\n",
    "inv.yml:3:9",
    /Invalid variables for host 'h1'.*expected a mapping, got a string/,
  ],
  ["all:\n  hosts:\n    1234:\n", "inv.yml:3:5", /Host pattern 1234 must be a string/],
  ["all:\n  hosts:\n    web[9:1]:\n", "inv.yml:3:5", /expands to no hosts/],
  ["a:\n  children:\n    b:\n      children:\n        a:\n", "inv.yml:3:5", /creates a cycle: b -> a -> b/],
];

for (const [text, where, message] of errors) {
  Deno.test(`readYamlInventory() reports ${message.source} at ${where}`, () => {
    assertThrows(() => read(text), (e: unknown) => {
      return e instanceof InventoryError && e.message.startsWith(where + ": ") && message.test(e.message);
    });
  });
}
