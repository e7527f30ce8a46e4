import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { InventoryError } from "../engine/errors.ts";
import { InventoryData, sortGroups } from "./inventory_data.ts";

Deno.test("InventoryData starts with all and ungrouped", () => {
  const data = new InventoryData();
  assertEquals([...data.groups.keys()], ["all", "ungrouped"]);
  assertEquals(data.groups.get("all")!.children.map((g) => g.name), ["ungrouped"]);
});

Deno.test("InventoryData.reconcile() attaches orphan groups to all and fixes ungrouped", () => {
  const data = new InventoryData();
  data.addGroup("web");
  data.addGroup("parent");
  data.addChild("parent", "web");
  data.addHost("lonely");
  data.addHost("both", "ungrouped");
  data.addHost("both", "web");
  data.reconcile();
  assertEquals(data.groups.get("all")!.children.map((g) => g.name), ["ungrouped", "parent"]);
  assertEquals(data.groups.get("ungrouped")!.hosts.map((h) => h.name), ["lonely"]);
  assertEquals(data.groups.get("web")!.depth, 2);
});

Deno.test("InventoryData.addHost() sets the port only when it creates the host", () => {
  const data = new InventoryData();
  data.addHost("h", "ungrouped", 2222);
  data.addHost("h", "ungrouped", 3333);
  assertEquals(data.hosts.get("h")!.vars, { ansible_port: 2222 });
});

Deno.test("InventoryData.setVariable() turns ansible_group_priority into the group's priority", () => {
  const data = new InventoryData();
  data.addGroup("g");
  data.setVariable("g", "ansible_group_priority", "7");
  assertEquals(data.groups.get("g")!.priority, 7);
  assertEquals(data.groups.get("g")!.vars, {});
  assertThrows(() => data.setVariable("g", "ansible_group_priority", "high"), InventoryError);
});

Deno.test("InventoryData.addChild() names the cycle it would create", () => {
  const data = new InventoryData();
  for (const g of ["a", "b", "c"]) data.addGroup(g);
  data.addChild("a", "b");
  data.addChild("b", "c");
  assertThrows(() => data.addChild("c", "a"), /creates a cycle: a -> b -> c -> a/);
  assertThrows(() => data.addChild("a", "a"), /cannot be a child of itself/);
});

Deno.test("sortGroups() orders by depth, then priority, then name", () => {
  const data = new InventoryData();
  for (const g of ["b", "a", "deep", "prio"]) data.addGroup(g);
  data.addChild("b", "deep");
  data.setVariable("prio", "ansible_group_priority", 0);
  data.reconcile();
  assertEquals(sortGroups(data.groups.values()).map((g) => g.name), [
    "all",
    "prio",
    "a",
    "b",
    "ungrouped",
    "deep",
  ]);
});
