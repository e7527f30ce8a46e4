import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { PyFloat } from "./float.ts";
import { InventoryData } from "./inventory_data.ts";
import { parseTomlInventory } from "./toml_inventory.ts";

Deno.test("parseTomlInventory() keeps TOML's types: floats, dates as Python's isoformat()", () => {
  const data = new InventoryData();
  parseTomlInventory(
    "[web.hosts]\nw1 = { f = 2.0, i = 2, t = 1979-05-27T07:32:00Z, d = 1979-05-27, l = 1979-05-27T07:32:00.5 }\n",
    "hosts.toml",
    data,
  );
  assertEquals(data.hosts.get("w1")!.vars, {
    f: new PyFloat(2),
    i: 2,
    t: "1979-05-27T07:32:00+00:00",
    d: "1979-05-27",
    l: "1979-05-27T07:32:00.500000",
  });
  assertEquals(data.hosts.get("w1")!.positions.f, { file: "hosts.toml", line: 2, col: 8 });
});

Deno.test("parseTomlInventory() warns where Ansible skips and refuses what it refuses", () => {
  const data = new InventoryData();
  parseTomlInventory("odd = 1\n[g]\nextra = 1\n", "hosts.toml", data);
  assertEquals(data.warnings, [
    "Skipping 'odd' as this is not a valid group definition",
    'Skipping unexpected key "extra" in group "g", only "vars", "children" and "hosts" are valid',
  ]);
  assertThrows(
    () => parseTomlInventory('[g]\nchildren = "x"\n', "h.toml", new InventoryData()),
    /h\.toml:2:1: Invalid "children" entry for "g" group, requires a list, found "<class 'str'>" instead/,
  );
  assertThrows(
    () => parseTomlInventory("[g\n", "h.toml", new InventoryData()),
    /h\.toml:1:\d+: Invalid TOML/,
  );
  assertThrows(() => parseTomlInventory("", "h.toml", new InventoryData()), /Parsed empty TOML file/);
  assertThrows(
    () => parseTomlInventory('plugin = "constructed"\n', "h.toml", new InventoryData()),
    /plugin: constructed\) are not supported/,
  );
});
