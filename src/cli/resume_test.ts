import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { outputOptions, withoutLimit } from "./resume.ts";

Deno.test("withoutLimit() drops every form of --limit", () => {
  assertEquals(withoutLimit(["install", "-l", "a", "--limit", "b", "--limit=c", "-i", "x"]), [
    "install",
    "-i",
    "x",
  ]);
});

Deno.test("outputOptions() lets only output options through with --resume", () => {
  assertEquals(outputOptions(["--report", "r.json", "--no-color", "--format=json"]), {
    output: ["--report", "r.json", "--no-color", "--format=json"],
    others: [],
  });
  assertEquals(outputOptions(["--prefix", "/x"]).others, ["--prefix", "/x"]);
});
