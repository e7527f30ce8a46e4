/**
 * Every class of inventory error names the file, line and column of the problem and
 * says what was expected.
 */

import { rejects as assertRejects, strictEqual } from "node:assert/strict";
import { join } from "node:path";
import { InventoryError } from "../../src/engine/errors.ts";
import { connectionOf } from "../../src/inventory/connection.ts";
import { flame } from "../../src/app/testing.ts";
import { appVarsOf } from "../../src/app/vars.ts";
import { loadInventory } from "../../src/inventory/load.ts";

/** Writes files into a new directory and returns its path. */
async function tree(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "muster-inventory-errors-" });
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(join(dir, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, path), text);
  }
  return dir;
}

/** Asserts that `action` fails with an InventoryError at `file:line:col` whose message matches. */
async function expectError(action: () => Promise<unknown>, where: string, message: RegExp): Promise<void> {
  await assertRejects(action, (e: unknown) => {
    if (!(e instanceof InventoryError)) throw e;
    strictEqual(e.message.startsWith(`${where}: `), true, `expected ${where}, got: ${e.message}`);
    strictEqual(message.test(e.message), true, `expected ${message}, got: ${e.message}`);
    strictEqual(e.exitCode, 1);
    return true;
  });
}

const CASES: { name: string; files: Record<string, string>; source: string; at: string; message: RegExp }[] =
  [
    {
      name: "a YAML syntax error",
      files: { "hosts.yml": "all:\n  hosts:\n    web1:\n  vars: [unclosed\n  children:\n" },
      source: "hosts.yml",
      at: "hosts.yml:5:3",
      message: /Invalid YAML: .+/,
    },
    {
      name: "hosts given as a list",
      files: { "hosts.yml": "all:\n  children:\n    web:\n      hosts:\n        - web1\n        - web2\n" },
      source: "hosts.yml",
      at: "hosts.yml:5:9",
      message: /Invalid "hosts" entry for "web" group: expected a mapping, got a list/,
    },
    {
      name: "an unknown key in a YAML group",
      files: { "hosts.yml": "all:\n  children:\n    web:\n      hots:\n        web1:\n" },
      source: "hosts.yml",
      at: "hosts.yml:4:7",
      message:
        /Unexpected key 'hots' in group 'web': expected 'hosts', 'vars' or 'children', did you mean 'hosts'\?/,
    },
    {
      name: "a bad INI section",
      files: { "hosts": "[web]\nweb1\n[web servers]\nweb2\n" },
      source: "hosts",
      at: "hosts:3:1",
      message:
        /Invalid section entry '\[web servers\]': expected \[group\], \[group:vars\] or \[group:children\]/,
    },
    {
      name: "an INI section of unknown type",
      files: { "hosts": "[web]\nweb1\n\n  [web:var]\nx=1\n" },
      source: "hosts",
      at: "hosts:4:3",
      message: /Section \[web:var\] has unknown type 'var'/,
    },
    {
      name: "a bad range",
      files: { "hosts": "[web]\nweb1\nnode[01:5] x=1\n" },
      source: "hosts",
      at: "hosts:3:1",
      message:
        /Invalid host pattern 'node\[01:5\]': .*zero-padded begin and the end must have the same width/,
    },
    {
      name: "a range that expands to nothing",
      files: { "hosts.yml": "all:\n  hosts:\n    node[9:1]:\n" },
      source: "hosts.yml",
      at: "hosts.yml:3:5",
      message: /Host range 'node\[9:1\]' expands to no hosts/,
    },
    {
      name: "a cycle in children",
      files: { "hosts": "[a:children]\nb\n[b:children]\nc\n[c:children]\na\n" },
      source: "hosts",
      at: "hosts:6:1",
      message: /Adding group 'a' as a child of 'c' creates a cycle: a -> b -> c -> a/,
    },
    {
      name: "a host variable that is not key=value",
      files: { "inv/hosts": "[web]\nweb1 port=80 oops\n" },
      source: "inv/hosts",
      at: "inv/hosts:2:14",
      message: /Expected key=value host variable assignment, got: oops/,
    },
    {
      name: "a group_vars file that is not a mapping",
      files: { "hosts": "web1\n", "group_vars/all.yml": "- a\n- b\n" },
      source: "hosts",
      at: "group_vars/all.yml:1:1",
      message: /Invalid variables file: expected a mapping of variable names to values, got a list/,
    },
    {
      name: "a YAML error in a host_vars file",
      files: { "hosts": "web1\n", "host_vars/web1.yml": "a: 1\nb: [2\n" },
      source: "hosts",
      at: "host_vars/web1.yml:3:1",
      message: /Invalid YAML/,
    },
  ];

for (const c of CASES) {
  Deno.test(`loadInventory() reports ${c.name} with file, line and column`, async () => {
    const dir = await tree(c.files);
    try {
      await expectError(() => loadInventory([join(dir, c.source)]), join(dir, c.at), c.message);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("loadInventory() reports a source that does not exist", async () => {
  await assertRejects(() => loadInventory(["/nonexistent/inventory.yml"]), /Inventory source not found/);
});

Deno.test("appVarsOf() reports an unknown flame variable where it was set, with a suggestion", async () => {
  const dir = await tree({
    "hosts": "[workers]\nw1\n",
    "group_vars/workers.yml": "flame_enable: true\nflame_profile:\n  - worker\n",
  });
  try {
    const inventory = await loadInventory([join(dir, "hosts")]);
    await expectError(
      () => Promise.resolve().then(() => appVarsOf(flame, inventory.hosts.get("w1")!, inventory)),
      join(dir, "group_vars/workers.yml:2:1"),
      /Unknown Flame variable 'flame_profile' for host 'w1', did you mean 'flame_profiles'\?/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("appVarsOf() reports a bad flame value where the winning definition is", async () => {
  const dir = await tree({
    "hosts": "[workers]\nw1 flame_prefix=relative/path\n\n[workers:vars]\nflame_prefix=/opt/flame\n",
  });
  try {
    const inventory = await loadInventory([join(dir, "hosts")]);
    await expectError(
      () => Promise.resolve().then(() => appVarsOf(flame, inventory.hosts.get("w1")!, inventory)),
      join(dir, "hosts:2:4"),
      /Invalid flame_prefix for host 'w1': expected an absolute path \(a string starting with '\/'\), got "relative\/path"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("connectionOf() reports a bad connection variable where it was set", async () => {
  const dir = await tree({ "hosts.yml": "all:\n  hosts:\n    w1:\n      ansible_port: twenty-two\n" });
  try {
    const inventory = await loadInventory([join(dir, "hosts.yml")]);
    await expectError(
      () => Promise.resolve().then(() => connectionOf(inventory.hosts.get("w1")!)),
      join(dir, "hosts.yml:4:7"),
      /Invalid ansible_port for host 'w1': expected a port number \(1-65535\), got "twenty-two"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
