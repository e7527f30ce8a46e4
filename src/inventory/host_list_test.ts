import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { readHostList } from "./host_list.ts";
import { InventoryData } from "./inventory_data.ts";

Deno.test("readHostList() adds each listed host to ungrouped, with its port", () => {
  const data = new InventoryData();
  readHostList("web1, web2:2222,,[::1]:2200,web1", data);
  assertEquals([...data.hosts.keys()], ["web1", "web2", "::1"]);
  assertEquals(data.hosts.get("web2")!.vars, { ansible_port: 2222 });
  assertEquals(data.groups.get("ungrouped")!.hosts.length, 3);
});

Deno.test("readHostList() does not expand ranges", () => {
  const data = new InventoryData();
  readHostList("web[1:3],", data);
  assertEquals([...data.hosts.keys()], ["web[1:3]"]);
});
