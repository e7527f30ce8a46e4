import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { compilingUnit, stripAnsi } from "./cargo_output.ts";

Deno.test("compilingUnit() names the package a Compiling line starts", () => {
  assertEquals(compilingUnit("   Compiling common v0.1.0 (/src/flame/common)"), "common");
  assertEquals(compilingUnit("   Compiling proc-macro2 v1.0.86"), "proc-macro2");
  assertEquals(
    compilingUnit("   Compiling flame-session-manager v0.6.0 (/src/session_manager)"),
    "flame-session-manager",
  );
  assertEquals(compilingUnit("\x1b[1m\x1b[32m   Compiling\x1b[0m tokio v1.40.0"), "tokio");
});

Deno.test("compilingUnit() ignores every other line", () => {
  for (
    const line of [
      "    Finished `release` profile [optimized] target(s) in 4.95s",
      "   Downloaded tokio v1.40.0",
      "warning: unused variable: `x`",
      "error: could not compile `common` (lib) due to 1 previous error",
      "  Compiling is mentioned in a message",
      "",
    ]
  ) {
    assertEquals(compilingUnit(line), undefined, line);
  }
});

Deno.test("stripAnsi() removes colour codes", () => {
  assertEquals(stripAnsi("\x1b[1m\x1b[31merror\x1b[0m: boom"), "error: boom");
});
