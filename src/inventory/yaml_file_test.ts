import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { PyFloat } from "./float.ts";
import { InventoryError } from "../engine/errors.ts";
import { parseFastYaml } from "./yaml_fast.ts";
import { parseYaml } from "./yaml_file.ts";
import { entryPosition } from "./yaml_positions.ts";

/** Every entry's positions, depth first, to compare two loads of the same text. */
function positions(value: unknown, path = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => positions(v, `${path}[${i}]`));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const p = entryPosition(value, k);
    const here = p
      ? `${path}.${k} key=${p.key.line}:${p.key.col} value=${p.value.line}:${p.value.col}`
      : `${path}.${k} ?`;
    return [here, ...positions(v, `${path}.${k}`)];
  });
}

const FAST_DOCS = [
  "all:\n  hosts:\n    web1:\n    web2:\n      ansible_host: 10.0.0.2\n  vars:\n    x: 1\n",
  "---\na: yes\nb: 'it''s'\nc: \"q\"\nd: 0777\ne: 1:30\nf: 2001-12-14\ng: ~\nh: []\ni: {}\n",
  "# comment\nlist:\n  - a\n  - 'b'\n  -\n    k: v\n  - 3 # trailing\nsame:\n- x\n- y\nafter: 1\n",
  "  indented:\n    deep:\n      deeper: value with spaces\n  back: 2\n",
  "a#b: c#d\nurl: http://example.com/x?y=1\n'quoted key': 1\n1: int key\nyes: bool key\n",
  "dup: 1\ndup: 2\n",
  "k: -5\nn: -foo\nm: .5\nf: 1.0e+3\ns: 1e3\n",
];

for (const [i, doc] of FAST_DOCS.entries()) {
  Deno.test(`parseYaml() fast path reads document ${i} as the full parser does`, () => {
    const fast = parseFastYaml(doc, "f.yml");
    assertEquals(fast.ok, true, "the fast path should accept this document");
    const slow = parseYaml(doc, "f.yml", { slow: true });
    assertEquals(fast.ok && fast.value, slow);
    assertEquals(positions(fast.ok && fast.value), positions(slow));
  });
}

const SLOW_DOCS = [
  "a: &x 1\nb: *x\n",
  "a: |\n  text\n",
  "a: [1, 2]\n",
  "a: plain\n  continued\n",
  'a: "esc\\n"\n',
  "a:\tb\n",
  "- a: 1\n",
  "a: b: c\n",
];

for (const [i, doc] of SLOW_DOCS.entries()) {
  Deno.test(`parseFastYaml() gives up on unusual document ${i}`, () => {
    assertEquals(parseFastYaml(doc, "f.yml").ok, false);
  });
}

Deno.test("parseYaml() follows PyYAML's YAML 1.1 scalars", () => {
  assertEquals(
    parseYaml(
      "b1: yes\nb2: off\nb3: y\no1: 0777\no2: 0o17\ns1: 1:30\nh: 0x1f\nf1: 1e3\nf3: 1_000\nd1: 2001-12-14\n" +
        "t1: 2001-12-14t21:59:43.10-05:00\nn1: ~\nn2:\ne: !!str 123\nfl: 1.0\nu: !unsafe '{{ x }}'\n",
      "v.yml",
    ),
    {
      b1: true,
      b2: false,
      b3: "y",
      o1: 511,
      o2: "0o17",
      s1: 90,
      h: 31,
      f1: "1e3",
      f3: 1000,
      d1: "2001-12-14",
      t1: "2001-12-14T21:59:43.100000-05:00",
      n1: null,
      n2: null,
      e: "123",
      fl: new PyFloat(1),
      u: "{{ x }}",
    },
  );
});

Deno.test("parseYaml() merges `<<` keys with the mapping's own keys winning", () => {
  assertEquals(
    parseYaml("base: &b {x: 1, y: 2}\nother: &o {y: 3, z: 4}\nc:\n  <<: [*b, *o]\n  x: 9\n", "m.yml"),
    { base: { x: 1, y: 2 }, other: { y: 3, z: 4 }, c: { x: 9, y: 2, z: 4 } },
  );
});

Deno.test("parseYaml() reads JSON as Python's json module does", () => {
  assertEquals(parseYaml('{"a": 1e3, "b": [true, null], "c": "x"}', "v.json"), {
    a: new PyFloat(1000),
    b: [true, null],
    c: "x",
  });
  const value = parseYaml('{\n  "a": {"b": 1}\n}', "v.json") as Record<string, unknown>;
  assertEquals(entryPosition(value.a as object, "b")?.key, { file: "v.json", line: 2, col: 9 });
});

Deno.test("parseYaml() reports syntax errors with file, line and column", () => {
  assertThrows(() => parseYaml("a: 1\nb: [1\nc: 2\n", "bad.yml"), (e: unknown) => {
    return e instanceof InventoryError && /^bad\.yml:3:1: Invalid YAML: /.test(e.message);
  });
  assertThrows(
    () => parseYaml("a: !!int x\n", "bad.yml"),
    /bad\.yml:1:10: Invalid YAML value: invalid literal/,
  );
});
