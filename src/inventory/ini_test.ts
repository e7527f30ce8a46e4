import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { InventoryError } from "../engine/errors.ts";
import { iniValue, parseIni } from "./ini.ts";
import { InventoryData } from "./inventory_data.ts";

function read(text: string): InventoryData {
  const data = new InventoryData();
  parseIni(text, "hosts", data);
  return data;
}

Deno.test("iniValue() types values as Python's literal_eval, else keeps the text", () => {
  assertEquals(iniValue("42"), 42);
  assertEquals(iniValue("True"), true);
  assertEquals(iniValue("true"), "true");
  assertEquals(iniValue("[1, 'a']"), [1, "a"]);
  assertEquals(iniValue("01"), "01");
  assertEquals(iniValue("hello # trailing"), "hello # trailing");
});

Deno.test("parseIni() reads sections, host variables and ungrouped hosts", () => {
  const data = read("first\n[web]\nweb[1:2] port=80 name='a b'\n[web:vars]\nx = 1\n");
  assertEquals(data.groups.get("ungrouped")!.hosts.map((h) => h.name), ["first"]);
  assertEquals(data.groups.get("web")!.hosts.map((h) => h.name), ["web1", "web2"]);
  assertEquals(data.hosts.get("web2")!.vars, { port: 80, name: "a b" });
  assertEquals(data.groups.get("web")!.vars, { x: 1 });
});

Deno.test("parseIni() resolves children and vars declared before their group", () => {
  const data = read("[p:children]\nc\n[c:vars]\nv=1\n[c]\nh\n");
  assertEquals(data.groups.get("p")!.children.map((g) => g.name), ["c"]);
  assertEquals(data.groups.get("c")!.vars, { v: 1 });
});

Deno.test("parseIni() records where each variable was set", () => {
  const data = read("[web]\n  web1 a=1   b=2\n[web:vars]\n  g=3\n");
  assertEquals(data.hosts.get("web1")!.positions.b, { file: "hosts", line: 2, col: 14 });
  assertEquals(data.groups.get("web")!.positions.g, { file: "hosts", line: 4, col: 3 });
});

const errors: [string, string, RegExp][] = [
  ["[web:hosts2]\n", "hosts:1:1", /unknown type 'hosts2'/],
  ["[web]\n[bad section]\n", "hosts:2:1", /Invalid section entry/],
  ["[web]\nweb1 novalue\n", "hosts:2:6", /Expected key=value host variable assignment, got: novalue/],
  ['[web]\nweb1 x="open\n', "hosts:2:8", /No closing quotation/],
  ["[web]\nweb[1-3]\n", "hosts:2:1", /Invalid host pattern 'web\[1-3\]'/],
  ["[web]\nweb[3:1]\n", "hosts:2:1", /expands to no hosts/],
  ["[web]\nweb1:\n", "hosts:2:1", /trailing ':'/],
  ["[web:vars]\nx=1\n", "hosts:1:1", /Section \[web:vars\] is for an undefined group/],
  ["[web:children]\nmissing\n", "hosts:2:1", /includes undefined group 'missing'/],
  ["[web:vars]\nnot a pair\n[web]\n", "hosts:2:1", /Expected key=value/],
  ["[a:children]\nb\n[b:children]\na\n", "hosts:4:1", /creates a cycle: a -> b -> a/],
];

for (const [text, where, message] of errors) {
  Deno.test(`parseIni() reports ${message.source} at ${where}`, () => {
    assertThrows(() => read(text), (e: unknown) => {
      return e instanceof InventoryError && e.message.startsWith(where + ": ") && message.test(e.message);
    });
  });
}
