import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import type { Fact } from "../../src/engine/fact.ts";
import { contentFact, pathsFact } from "../../src/facts/files.ts";
import { identityFact } from "../../src/facts/identity.ts";
import { flame, flameSpec } from "../../src/app/testing.ts";
import { factsOf } from "../uninstall/_testing.ts";
import { unitPath, unitsStep } from "./mod.ts";

/** Facts of a root host whose unit files say `units` (by service name). */
function factsWith(units: Record<string, string>) {
  const paths = flame.services.map((s) => unitPath(s.name));
  return factsOf([
    [identityFact, { uid: 0 }],
    [
      pathsFact(paths),
      new Map(
        Object.keys(units).map((
          name,
        ) => [unitPath(name), { type: "file", mode: 0o644, owner: "root", group: "root" }]),
      ),
    ],
    ...flame.services.map((s): [Fact<unknown>, unknown] => [contentFact(unitPath(s.name)), units[s.name]]),
  ]);
}

Deno.test("unitsStep() refuses to repoint a unit of another installation on the host, naming it", () => {
  const spec = flameSpec({ prefix: "/opt/flame2", profiles: ["control-plane"] });
  const other =
    "[Service]\nExecStart=/opt/flame1/bin/flame-session-manager --config /opt/flame1/conf/flame-cluster.yaml\n";
  assertThrows(
    () => unitsStep(spec).plan(factsWith({ "flame-session-manager": other }), []),
    /\/etc\/systemd\/system\/flame-session-manager\.service belongs to another installation: it runs \/opt\/flame1\/bin\/flame-session-manager --config \/opt\/flame1\/conf\/flame-cluster\.yaml, not \/opt\/flame2/,
  );
  // A unit of another installation for a service this host no longer runs is not removed either.
  const worker = flameSpec({ prefix: "/opt/flame2", profiles: ["worker"] });
  assertThrows(
    () => unitsStep(worker).plan(factsWith({ "flame-session-manager": other }), []),
    /belongs to another installation/,
  );
});

Deno.test("unitsStep() plans its own units as before", () => {
  const spec = flameSpec({ prefix: "/opt/flame", profiles: ["control-plane"] });
  const changes = unitsStep(spec).plan(factsWith({}), []);
  assertEquals(changes.map((c) => `${c.action} ${c.target}`), [
    "create /etc/systemd/system/flame-session-manager.service",
  ]);
});
