import { deepStrictEqual as assertEquals, match, throws } from "node:assert/strict";
import { flame } from "../../src/app/testing.ts";
import { GatheredFacts } from "../../src/engine/fact.ts";
import { type Holder, isStale, lockFact, lockName, lockStep } from "./mod.ts";

const holder: Holder = {
  user: "alice",
  controller: "ctl",
  pid: 42,
  command: "muster install",
  app: "flame",
  started: "2026-01-01T00:00:00.000Z",
};
const now = new Date("2026-01-01T01:00:00Z");

Deno.test("isStale() tells a gone holder: same controller and pid gone, or too old", () => {
  assertEquals(isStale(holder, { controller: "ctl", alive: () => true, now }), false);
  assertEquals(isStale(holder, { controller: "ctl", alive: () => false, now }), true);
  assertEquals(isStale(holder, { controller: "other", alive: () => false, now }), false);
  assertEquals(
    isStale(holder, { controller: "other", alive: () => true, now: new Date("2026-01-01T05:00:01Z") }),
    true,
  );
});

Deno.test("lockName() is one file per app and prefix", () => {
  assertEquals(lockName(flame, "/usr/local/flame"), "flame_usr_local_flame.lock");
});

Deno.test("lockStep() refuses a host held by a live run, naming it, and plans nothing otherwise", () => {
  const fact = lockFact(flame, "/usr/local/flame");
  const facts = (output: string) => new GatheredFacts(new Map([[fact.key, { output, code: 0 }]]));
  const step = (alive: boolean, refuse = true) =>
    lockStep({
      app: flame,
      prefix: "/usr/local/flame",
      holder: { ...holder, pid: 7 },
      staleness: { controller: "ctl", alive: () => alive, now },
      refuse,
    });
  throws(
    () => step(true).plan(facts(JSON.stringify(holder)), []),
    /The host is locked by alice@ctl \(pid 42, since 2026-01-01T00:00:00\.000Z\): muster install/,
  );
  assertEquals(step(true, false).plan(facts(JSON.stringify(holder)), []), []);
  assertEquals(step(false).plan(facts(JSON.stringify(holder)), []), []);
  assertEquals(step(true).plan(facts(""), []), []);
  match(step(false).hold!(facts(JSON.stringify(holder)))!.take, /took over the stale lock of alice@ctl/);
});
