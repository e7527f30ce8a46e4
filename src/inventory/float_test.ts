import { deepStrictEqual as assertEquals, strictEqual } from "node:assert/strict";
import { isFloat, numberOf, PyFloat, pyFloat, pythonFloatRepr } from "./float.ts";

Deno.test("pythonFloatRepr() prints floats as Python's repr()", () => {
  const cases: [number, string][] = [
    [8, "8.0"],
    [0, "0.0"],
    [-0, "-0.0"],
    [1000, "1000.0"],
    [1e15, "1000000000000000.0"],
    [1e16, "1e+16"],
    [1.5e-5, "1.5e-05"],
    [0.0001, "0.0001"],
    [123456789012345678, "1.2345678901234568e+17"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
    [5e-324, "5e-324"],
    [0.1, "0.1"],
    [-2.5, "-2.5"],
    [9999999999999998, "9999999999999998.0"],
  ];
  for (const [value, text] of cases) strictEqual(pythonFloatRepr(value), text, String(value));
});

Deno.test("pyFloat() wraps only floats with an integral value", () => {
  assertEquals(pyFloat(8), new PyFloat(8));
  strictEqual(pyFloat(2.5), 2.5);
  strictEqual(pyFloat(Infinity), Infinity);
});

Deno.test("PyFloat works as its number in comparisons, arithmetic and text", () => {
  const f = new PyFloat(8);
  strictEqual(+f + 1, 9);
  strictEqual((f as unknown as number) > 7, true);
  strictEqual(`${f}`, "8.0");
  strictEqual(JSON.stringify({ f }), '{"f":8}');
  strictEqual(numberOf(f), 8);
  strictEqual(numberOf("8"), undefined);
  strictEqual(isFloat(f), true);
  strictEqual(isFloat(2.5), true);
  strictEqual(isFloat(8), false);
});
