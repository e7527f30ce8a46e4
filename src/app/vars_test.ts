import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { InventoryError } from "../engine/errors.ts";
import type { Inventory, InventoryHost } from "../inventory/types.ts";
import { flame } from "./testing.ts";
import { appVarsOf } from "./vars.ts";

const DEFAULTS = {
  flame_profiles: ["control-plane", "worker", "cache", "client"],
  flame_cluster_name: "flame",
  flame_resreq: "cpu=1,mem=2g",
  flame_policies: ["priority", "drf"],
  flame_max_executors: 128,
};

function check(vars: Record<string, unknown>, positions: InventoryHost["positions"] = {}) {
  const host: InventoryHost = { name: "w1", groups: ["all"], vars, positions };
  const inventory: Inventory = { hosts: new Map([["w1", host]]), groups: new Map(), sources: [] };
  return appVarsOf(flame, host, inventory);
}

Deno.test("appVarsOf() defaults the profiles and the cluster name", () => {
  assertEquals(check({ other: 1 }), DEFAULTS);
});

Deno.test("appVarsOf() types every Flame variable", () => {
  assertEquals(
    check({
      flame_prefix: "/opt/flame",
      flame_profiles: "worker, cache",
      flame_cluster_name: "prod",
      flame_endpoint: "http://10.0.0.1:8080",
      flame_cache_endpoint: "grpc://10.0.0.2:9090",
      flame_systemd: "yes",
      flame_enable: false,
    }),
    {
      ...DEFAULTS,
      flame_prefix: "/opt/flame",
      flame_profiles: ["worker", "cache"],
      flame_cluster_name: "prod",
      flame_endpoint: "http://10.0.0.1:8080",
      flame_cache_endpoint: "grpc://10.0.0.2:9090",
      flame_systemd: true,
      flame_enable: false,
    },
  );
});

Deno.test("appVarsOf() suggests the right name for an unknown flame_ variable", () => {
  const at = { file: "group_vars/all.yml", line: 2, col: 1 };
  assertThrows(
    () => check({ flame_profile: ["worker"] }, { flame_profile: at }),
    (e: unknown) =>
      e instanceof InventoryError &&
      e.message === "group_vars/all.yml:2:1: Unknown Flame variable 'flame_profile' for host 'w1', " +
          "did you mean 'flame_profiles'?",
  );
});

Deno.test("appVarsOf() says what was expected for a bad value, where it was set", () => {
  const at = { file: "hosts", line: 4, col: 6 };
  assertThrows(
    () => check({ flame_prefix: "opt/flame" }, { flame_prefix: at }),
    /^InventoryError: hosts:4:6: Invalid flame_prefix for host 'w1': expected an absolute path/,
  );
  assertThrows(() => check({ flame_profiles: ["gpu"] }), /Invalid flame_profiles .*'control-plane'/);
  assertThrows(() => check({ flame_endpoint: "10.0.0.1:8080" }), /Invalid flame_endpoint .*URL/);
  assertThrows(() => check({ flame_enable: "sometimes" }), /Invalid flame_enable .*boolean/);
});

Deno.test("appVarsOf() reads a list-shaped string as the list Ansible's templating makes of it", () => {
  assertEquals(check({ flame_profiles: "['worker']" }).flame_profiles, ["worker"]);
  assertEquals(check({ flame_profiles: '["worker", "cache"]' }).flame_profiles, ["worker", "cache"]);
});

Deno.test("appVarsOf() types integers written as strings (INI) and rejects other text", () => {
  assertEquals(check({ flame_max_executors: "64" }).flame_max_executors, 64);
  assertThrows(() => check({ flame_max_executors: "many" }), /Invalid flame_max_executors .*whole number/);
});
