import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { InventoryError } from "../engine/errors.ts";
import { templatedVars } from "./templated.ts";
import type { Inventory, InventoryHost } from "./types.ts";

function inventoryOf(hosts: Record<string, { vars: Record<string, unknown>; groups?: string[] }>): Inventory {
  const map = new Map<string, InventoryHost>();
  for (const [name, { vars, groups }] of Object.entries(hosts)) {
    map.set(name, {
      name,
      vars,
      groups: ["all", ...(groups ?? [])],
      positions: Object.fromEntries(
        Object.keys(vars).map((key, i) => [key, { file: "hosts.yml", line: i + 2, col: 7 }]),
      ),
    });
  }
  return { hosts: map, groups: new Map(), sources: [] };
}

const env = { get: (key: string) => key === "DEPLOY_ENV" ? "prod" : undefined };

Deno.test("templatedVars() evaluates variables, hostvars, groups, filters and lookup('env') when used", () => {
  const inventory = inventoryOf({
    h1: {
      vars: {
        myhost: "10.0.0.1",
        ansible_host: "{{ myhost }}",
        port: "{{ 8079 | int + 1 }}",
        peer: "{{ hostvars['h2'].ansible_host }}",
        workers: "{{ groups['workers'] }}",
        name: "{{ 'Web' | lower }}-{{ lookup('env', 'DEPLOY_ENV') }}",
        list: ["{{ myhost }}", "plain"],
        broken: "{{ lookup('file', '/etc/passwd') }}",
      },
    },
    h2: { vars: { ansible_host: "10.0.0.2" }, groups: ["workers"] },
  });
  const vars = templatedVars(inventory.hosts.get("h1")!, inventory, env);
  assertEquals(vars.ansible_host, "10.0.0.1");
  assertEquals(vars.port, 8080);
  assertEquals(vars.peer, "10.0.0.2");
  assertEquals(vars.workers, ["h2"]);
  assertEquals(vars.name, "web-prod");
  assertEquals(vars.list, ["10.0.0.1", "plain"]);
  // Unused, the unsupported one never fails; used, it names the variable, the construct and where.
  assertThrows(
    () => vars.broken,
    (e: unknown) =>
      e instanceof InventoryError &&
      /^hosts\.yml:9:7: Cannot evaluate broken for host 'h1': .*lookup\('file'\) is not supported/.test(
        e.message,
      ),
  );
});

Deno.test("templatedVars() names an undefined variable and a loop, where they were set", () => {
  const inventory = inventoryOf({
    h1: { vars: { a: "{{ nope }}", b: "{{ c }}", c: "{{ b }}", d: "{{ nope | default('x') }}" } },
  });
  const vars = templatedVars(inventory.hosts.get("h1")!, inventory, env);
  assertThrows(
    () => vars.a,
    /^InventoryError: hosts\.yml:2:7: Cannot evaluate a for host 'h1': 'nope' is undefined/,
  );
  assertThrows(() => vars.b, /refers to itself/);
  assertEquals(vars.d, "x");
});
