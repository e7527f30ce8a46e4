import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { join } from "node:path";
import { UsageError } from "../engine/errors.ts";
import { loadInventory } from "./load.ts";
import { selectHosts, splitPattern } from "./patterns.ts";
import type { Inventory } from "./types.ts";

const INI = `
bastion

[web]
web1
web2
web3

[db]
db1
db2

[prod:children]
web
db

[east]
web1
db1
`;

async function inventory(text = INI): Promise<Inventory> {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(dir, "hosts"), text);
  const loaded = await loadInventory([join(dir, "hosts")]);
  await Deno.remove(dir, { recursive: true });
  return loaded;
}

const names = async (pattern?: string) => selectHosts(await inventory(), pattern).map((h) => h.name);

Deno.test("splitPattern() splits on commas, else on colons outside brackets", () => {
  assertEquals(splitPattern("a, b:c"), ["a", "b:c"]);
  assertEquals(splitPattern("web:&prod:!web3"), ["web", "&prod", "!web3"]);
  assertEquals(splitPattern("web[1:3]"), ["web[1:3]"]);
  assertEquals(splitPattern("fe80::1"), ["fe80::1"]);
});

Deno.test("selectHosts() selects every host without a pattern, or with all and *", async () => {
  // Ansible's order: all's groups level by level (ungrouped, prod, east, then web, db).
  const every = ["bastion", "web1", "db1", "web2", "web3", "db2"];
  assertEquals(await names(), every);
  assertEquals(await names("all"), every);
  assertEquals(await names("*"), every);
});

Deno.test("selectHosts() matches names, groups and globs", async () => {
  assertEquals(await names("web2"), ["web2"]);
  assertEquals(await names("db"), ["db1", "db2"]);
  assertEquals(await names("web*"), ["web1", "web2", "web3"]);
  assertEquals(await names("?b1"), ["db1"]);
  assertEquals(await names("prod"), ["web1", "web2", "web3", "db1", "db2"]);
  // Hosts matched by name come in inventory order.
  assertEquals(await names("*1"), ["web1", "db1"]);
});

Deno.test("selectHosts() applies unions, then intersections, then exclusions", async () => {
  assertEquals(await names("db:bastion"), ["db1", "db2", "bastion"]);
  assertEquals(await names("db,bastion"), ["db1", "db2", "bastion"]);
  assertEquals(await names("prod:&east"), ["web1", "db1"]);
  assertEquals(await names("prod:!web3:!db"), ["web1", "web2"]);
  assertEquals(await names("!web:&prod"), ["db1", "db2"]);
});

Deno.test("selectHosts() understands regular expressions and subscripts", async () => {
  assertEquals(await names("~(web|db)[12]"), ["web1", "web2", "db1", "db2"]);
  assertEquals(await names("web[0]"), ["web1"]);
  assertEquals(await names("web[-1]"), ["web3"]);
  assertEquals(await names("web[1:]"), ["web2", "web3"]);
  assertEquals(await names("prod[1:2]"), ["web2", "web3"]);
});

Deno.test("selectHosts() reads @file patterns, one per line", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "limit");
  await Deno.writeTextFile(file, "web1\n\ndb*\n");
  assertEquals(await names(`@${file}`), ["web1", "db1", "db2"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("selectHosts() gives the implicit localhost only when the inventory has none", async () => {
  const local = selectHosts(await inventory(), "localhost");
  assertEquals(local.map((h) => [h.name, h.vars.ansible_connection, h.implicit]), [[
    "localhost",
    "local",
    true,
  ]]);
  const explicit = selectHosts(await inventory("localhost\n"), "localhost");
  assertEquals(explicit.map((h) => [h.name, h.vars.ansible_connection, h.implicit]), [[
    "localhost",
    undefined,
    undefined,
  ]]);
});

Deno.test("selectHosts() throws a UsageError naming a pattern that matches nothing", async () => {
  const inv = await inventory();
  assertThrows(
    () => selectHosts(inv, "nosuch"),
    (e: unknown) => e instanceof UsageError && /'nosuch'/.test(e.message),
  );
  assertThrows(
    () => selectHosts(inv, "web:!nosuch"),
    /'!nosuch' matches no host or group \(in 'web:!nosuch'\)/,
  );
  assertThrows(() => selectHosts(inv, "web:&db"), /'web:&db' selects no hosts/);
  assertThrows(() => selectHosts(inv, "web[7]"), /No hosts matched the subscripted pattern/);
});
