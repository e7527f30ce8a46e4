import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { didYouMean, editDistance, suggest } from "./suggest.ts";

Deno.test("editDistance() counts insertions, deletions and substitutions", () => {
  assertEquals(editDistance("kitten", "sitting"), 3);
  assertEquals(editDistance("", "abc"), 3);
  assertEquals(editDistance("same", "same"), 0);
});

Deno.test("suggest() finds the closest candidate only when it is close", () => {
  assertEquals(suggest("flame_profile", ["flame_prefix", "flame_profiles"]), "flame_profiles");
  assertEquals(suggest("hots", ["hosts", "vars", "children"]), "hosts");
  assertEquals(suggest("completely_different", ["hosts", "vars"]), undefined);
});

Deno.test("didYouMean() phrases the suggestion or says nothing", () => {
  assertEquals(didYouMean("varz", ["vars"]), ", did you mean 'vars'?");
  assertEquals(didYouMean("xyzzy", ["vars"]), "");
});
