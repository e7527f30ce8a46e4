import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { flameSpec } from "../../src/app/testing.ts";
import { type Account, accountFact, identityFact } from "../../src/facts/identity.ts";
import { factsOf } from "../uninstall/_testing.ts";
import { userStep } from "./mod.ts";

/** The user step's changes, each with its shell, on a root host with `account`. */
function plan(account: Account, uid = 0) {
  const facts = factsOf([[identityFact, { uid }], [
    accountFact("flame"),
    account,
  ]]);
  return userStep(flameSpec()).plan(facts, []).map((change) => ({
    target: change.target,
    ops: change.ops.map((op) => op.kind === "sh" ? op.script : op.kind),
  }));
}

const USERADD = "--home-dir /var/lib/flame --create-home --shell /usr/sbin/nologin flame";

Deno.test("userStep() makes a missing user and group with one useradd, both still listed", () => {
  assertEquals(plan({}), [
    { target: "group flame", ops: [`useradd --system --user-group ${USERADD}`] },
    { target: "user flame", ops: ["# made with its group above"] },
  ]);
});

Deno.test("userStep() adds a missing user to the group that exists, and a missing group alone", () => {
  assertEquals(plan({ group: { gid: 990 } }), [
    { target: "user flame", ops: [`useradd --system --gid flame ${USERADD}`] },
  ]);
  const user = { uid: 990, gid: 990, home: "/var/lib/flame", shell: "/usr/sbin/nologin" };
  assertEquals(plan({ user }), [{ target: "group flame", ops: ["groupadd --system flame"] }]);
  assertEquals(plan({ user, group: { gid: 990 } }), []);
});

Deno.test("userStep() plans nothing where commands do not run as root", () => {
  assertEquals(plan({}, 1000), []);
});
