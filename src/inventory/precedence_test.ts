import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { hostVarLayers } from "./precedence.ts";
import { mergeLayers } from "./vars_files.ts";

const layer = (vars: Record<string, unknown>) => ({ vars, positions: {} });

Deno.test("hostVarLayers() orders layers as Ansible's variable precedence", () => {
  const merged = mergeLayers(hostVarLayers({
    all: layer({ a: "all", b: "all", c: "all", d: "all", e: "all", f: "all" }),
    groups: [layer({ b: "parent", c: "parent" }), layer({ c: "child" })],
    allFiles: [layer({ d: "gv_all_1" }), layer({ d: "gv_all_2" })],
    groupFiles: [[layer({ e: "gv_parent_1" }), undefined], [undefined, layer({ e: "gv_child_2" })]],
    host: layer({ f: "host" }),
    hostFiles: [undefined, undefined],
    extra: layer({ a: "extra" }),
  }));
  assertEquals(merged.vars, {
    a: "extra",
    b: "parent",
    c: "child",
    d: "gv_all_2",
    e: "gv_child_2",
    f: "host",
  });
});

Deno.test("hostVarLayers() puts inline group vars below group_vars/all", () => {
  const merged = mergeLayers(hostVarLayers({
    all: layer({}),
    groups: [layer({ x: "inline web" })],
    allFiles: [layer({ x: "group_vars/all" })],
    groupFiles: [[undefined]],
    host: layer({}),
    hostFiles: [layer({ y: "host_vars" })],
  }));
  assertEquals(merged.vars, { x: "group_vars/all", y: "host_vars" });
});
