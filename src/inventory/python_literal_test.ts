import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { PyFloat } from "./float.ts";
import { literalEval } from "./python_literal.ts";

const ok = (value: unknown) => ({ ok: true, value });
const no = { ok: false };

Deno.test("literalEval() types numbers as Python does", () => {
  assertEquals(literalEval("42"), ok(42));
  assertEquals(literalEval("-5"), ok(-5));
  assertEquals(literalEval("+5"), ok(5));
  assertEquals(literalEval("1_000"), ok(1000));
  assertEquals(literalEval("0x1F"), ok(31));
  assertEquals(literalEval("0o17"), ok(15));
  assertEquals(literalEval("0b101"), ok(5));
  assertEquals(literalEval("1.5"), ok(1.5));
  assertEquals(literalEval(".5"), ok(0.5));
  assertEquals(literalEval("5."), ok(new PyFloat(5)));
  assertEquals(literalEval("1e3"), ok(new PyFloat(1000)));
  assertEquals(literalEval("-(1)"), ok(-1));
  assertEquals(literalEval("00"), ok(0));
});

Deno.test("literalEval() rejects what Python rejects", () => {
  for (
    const text of [
      "01",
      "0777",
      "1abc",
      "--5",
      "-(-1)",
      "1+2",
      "yes",
      "a b",
      "",
      "foo()",
      "1.5.2",
      "-True",
      "[1][0]",
    ]
  ) {
    assertEquals(literalEval(text), no, text);
  }
});

Deno.test("literalEval() evaluates constants, strings and containers", () => {
  assertEquals(literalEval("True"), ok(true));
  assertEquals(literalEval("False"), ok(false));
  assertEquals(literalEval("None"), ok(null));
  assertEquals(literalEval("'a' \"b\""), ok("ab"));
  assertEquals(literalEval(String.raw`'a\tb\x41\u00e9\101\q'`), ok("a\tbA\u00e9A\\q"));
  assertEquals(literalEval(String.raw`r'\n'`), ok("\\n"));
  assertEquals(literalEval("'''x'''"), ok("x"));
  assertEquals(literalEval("[1, [2, {'k': (3,)}]]"), ok([1, [2, { k: [3] }]]));
  assertEquals(literalEval("1, 2"), ok([1, 2]));
  assertEquals(literalEval("(1)"), ok(1));
  assertEquals(literalEval("()"), ok([]));
  assertEquals(literalEval("{}"), ok({}));
  assertEquals(literalEval("{1: 'a', True: 2, None: 3}"), ok({ "1": "a", true: 2, null: 3 }));
  assertEquals(literalEval("{1, 2, 2}"), ok([1, 2]));
  assertEquals(literalEval("[1,2,]"), ok([1, 2]));
  assertEquals(literalEval("1 # comment"), ok(1));
  assertEquals(literalEval("  \t7"), ok(7));
});

Deno.test("literalEval() leaves f-strings, complex numbers and \\N escapes alone", () => {
  assertEquals(literalEval("f'x'"), no);
  assertEquals(literalEval("1j"), no);
  assertEquals(literalEval(String.raw`'\N{BULLET}'`), no);
});

Deno.test("literalEval() keeps Python's zero signs", () => {
  assertEquals(Object.is((literalEval("-0") as { value: number }).value, 0), true);
  const negativeZero = literalEval("-0.0") as { value: PyFloat };
  assertEquals(negativeZero.value instanceof PyFloat && Object.is(negativeZero.value.value, -0), true);
});
