import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { loadInventory } from "./load.ts";
import { selectHosts } from "./patterns.ts";
import { listJson } from "./render.ts";

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(join(dir, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, path), text);
  }
  return dir;
}

Deno.test("loadInventory() puts extra vars above everything and forgets their position", async () => {
  const dir = await tree({ "hosts": "[web]\nw1 x=host\n", "host_vars/w1.yml": "y: hv\n" });
  const inv = await loadInventory([join(dir, "hosts")], { extraVars: { x: "extra" } });
  const w1 = inv.hosts.get("w1")!;
  assertEquals(w1.vars, { x: "extra", y: "hv" });
  assertEquals(w1.positions, { y: { file: join(dir, "host_vars/w1.yml"), line: 1, col: 1 } });
  assertEquals(w1.groups, ["all", "web"]);
  assertEquals(inv.sources, [join(dir, "hosts")]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadInventory() reads an inventory directory in name order, skipping what Ansible skips", async () => {
  const dir = await tree({
    "inv/b.yml": "all:\n  hosts:\n    from_b:\n",
    "inv/a": "from_a\n",
    "inv/skipped.ini": "[broken\n",
    "inv/.hidden": "[broken\n",
    "inv/group_vars/all.yml": "shared: yes\n",
  });
  const inv = await loadInventory([join(dir, "inv")]);
  assertEquals([...inv.hosts.keys()], ["from_a", "from_b"]);
  assertEquals(inv.hosts.get("from_b")!.vars, { shared: true });
  assertEquals(inv.sources, [join(dir, "inv/a"), join(dir, "inv/b.yml")]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadInventory() accepts an inline host list", async () => {
  const inv = await loadInventory(["h1,h2:2200"]);
  assertEquals([...inv.hosts.values()].map((h) => [h.name, h.vars]), [["h1", {}], ["h2", {
    ansible_port: 2200,
  }]]);
});

Deno.test("loadInventory() prepares Ansible's implicit localhost with all's variables", async () => {
  const dir = await tree({ "hosts.yml": "all:\n  vars:\n    x: 1\n  hosts:\n    web1:\n" });
  const inv = await loadInventory([join(dir, "hosts.yml")]);
  assertEquals(inv.localhost, {
    name: "localhost",
    vars: { x: 1, ansible_connection: "local" },
    groups: [],
    positions: { x: { file: join(dir, "hosts.yml"), line: 3, col: 5 } },
    implicit: true,
  });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadInventory() reads an inventory of groups without hosts, and selecting all gives no hosts", async () => {
  const dir = await tree({ "hosts": "[etcd]\n[kube_control_plane]\n[etcd:children]\nkube_control_plane\n" });
  const inv = await loadInventory([join(dir, "hosts")]);
  assertEquals(inv.hosts.size, 0);
  assertEquals([...inv.groups.keys()], ["all", "ungrouped", "etcd", "kube_control_plane"]);
  assertEquals(selectHosts(inv), []);
  assertEquals(listJson(inv), {
    all: { children: ["ungrouped", "etcd"] },
    etcd: { children: ["kube_control_plane"] },
    _meta: { hostvars: {} },
  });
});

Deno.test("loadInventory() returns Ansible's warnings once each", async () => {
  const dir = await tree({ "hosts": "[web-a]\nw1\n[web-b]\nw2\n[db]\nweb-a\n" });
  const inv = await loadInventory([join(dir, "hosts")]);
  assertEquals(inv.warnings, [
    "Invalid characters were found in group names but not replaced, use -vvvv to see details",
    "Found both group and host with same name: web-a",
  ]);
});
