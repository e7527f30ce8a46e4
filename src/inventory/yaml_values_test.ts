import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { PyFloat } from "./float.ts";
import { constructScalar, keyString, resolvePlain, TAG, YamlValueError } from "./yaml_values.ts";

Deno.test("resolvePlain() follows PyYAML's YAML 1.1 resolver", () => {
  const cases: [string, unknown][] = [
    ["yes", true],
    ["Off", false],
    ["y", "y"],
    ["~", null],
    ["", null],
    ["Null", null],
    ["0777", 511],
    ["0o17", "0o17"],
    ["0x1F", 31],
    ["0b11", 3],
    ["1_000", 1000],
    ["1:30", 90],
    ["-1:00:01", -3601],
    ["1.5", 1.5],
    ["1.", new PyFloat(1)],
    ["1e3", "1e3"],
    ["1.0e+3", new PyFloat(1000)],
    [".inf", Infinity],
    ["-.Inf", -Infinity],
    ["09", "09"],
    ["2001-12-14", "2001-12-14"],
    ["2001-12-14t21:59:43.10-05:00", "2001-12-14T21:59:43.100000-05:00"],
    ["2001-12-14 21:59:43Z", "2001-12-14T21:59:43+00:00"],
    ["2001-1-2 3:04:05", "2001-01-02T03:04:05"],
    ["<<", "<<"],
    ["hello", "hello"],
  ];
  for (const [text, value] of cases) assertEquals(resolvePlain(text), value, text);
  assertEquals(Number.isNaN(resolvePlain(".nan")), true);
});

Deno.test("resolvePlain() refuses what PyYAML cannot construct", () => {
  assertThrows(() => resolvePlain("="), YamlValueError);
  assertThrows(() => resolvePlain("2001-13-45"), YamlValueError);
});

Deno.test("constructScalar() applies explicit tags", () => {
  assertEquals(constructScalar(TAG.str, "123"), "123");
  assertEquals(constructScalar(TAG.int, "12"), 12);
  assertEquals(constructScalar(TAG.float, "1"), new PyFloat(1));
  assertEquals(constructScalar(TAG.bool, "ON"), true);
  assertThrows(() => constructScalar(TAG.int, "x"), YamlValueError);
  assertThrows(() => constructScalar("tag:yaml.org,2002:binary", "AA=="), YamlValueError);
});

Deno.test("keyString() writes non-string keys as Python's json module does", () => {
  assertEquals([keyString(1), keyString(true), keyString(null), keyString("k"), keyString([1])], [
    "1",
    "true",
    "null",
    "k",
    undefined,
  ]);
});
