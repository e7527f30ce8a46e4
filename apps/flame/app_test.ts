/**
 * Flame behind its definition renders what muster wrote before the definition existed,
 * byte for byte: the configuration, flmenv.sh and the three units (testdata/today.json was
 * made by the code the definition replaced).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { unitFile } from "../../roles/systemd/units.ts";
import { appFacts, templateContext } from "../../roles/install/files.ts";
import { render } from "../../src/template/render.ts";
import { flame, flameSpec } from "../../src/app/testing.ts";
import type { Facts } from "../../src/engine/fact.ts";

const today: Record<string, string> = JSON.parse(
  await Deno.readTextFile(new URL("./testdata/today.json", import.meta.url)),
);

const spec = flameSpec({
  prefix: "/opt/flame",
  enable: true,
  vars: {
    flame_cluster_name: "prod",
    flame_endpoint: "http://10.0.0.1:8080",
    flame_cache_endpoint: "grpc://10.0.0.2:9090",
  },
});
/** The host said nothing of its route to the cache (as on a host without `ip`). */
const noFacts: Facts = { get: <T>() => "" as T };

function file(id: string): string {
  const decl = flame.definition.files!.find((f) => f.id === id)!;
  return render(flame.template(decl.template), templateContext(spec, noFacts), decl.template);
}

Deno.test("Flame's definition renders today's flame-cluster.yaml and flmenv.sh byte for byte", () => {
  assertEquals(file("config"), today.config);
  assertEquals(file("flmenv"), today.flmenv);
});

Deno.test("Flame's definition renders today's three units byte for byte", () => {
  for (const service of flame.services) {
    assertEquals(unitFile(spec, service), today[service.name], service.name);
  }
  const alone = flameSpec({ ...spec, profiles: ["worker"], vars: spec.vars });
  assertEquals(
    unitFile(alone, flame.services.find((s) => s.name === "flame-executor-manager")!),
    today["fem-alone"],
  );
});

Deno.test("Flame's network_interface follows the host's route to the cache, and its variable wins", () => {
  const routed: Facts = { get: <T>() => "eth1" as T };
  const decl = flame.definition.files!.find((f) => f.id === "config")!;
  const text = (s: typeof spec, facts: Facts) =>
    render(flame.template(decl.template), templateContext(s, facts), "t");
  assertEquals(/network_interface: "eth1"/.test(text(spec, routed)), true);
  const set = flameSpec({ ...spec, vars: { ...spec.vars, flame_network_interface: "bond0" } });
  assertEquals(/network_interface: "bond0"/.test(text(set, routed)), true);
});

Deno.test("Flame's route fact names the interface of ip's route, and nothing where ip has none", () => {
  const [fact] = appFacts(flameSpec({ vars: { flame_cache_endpoint: "grpc://127.0.0.1:9090" } })).values();
  const run = (command: string) =>
    new TextDecoder().decode(new Deno.Command("sh", { args: ["-c", command] }).outputSync().stdout);
  assertEquals(
    fact.parse(run(fact.command), 0),
    run("ip -o route get 127.0.0.1 | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p'").trim(),
  );
  assertEquals(fact.parse(run(fact.command), 0), "lo");
  const [none] = appFacts(flameSpec({ vars: { flame_cache_endpoint: "grpc://not-an-address:9090" } }))
    .values();
  assertEquals(none.parse(run(none.command), 0), "");
});
