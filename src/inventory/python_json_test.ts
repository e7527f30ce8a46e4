import { strictEqual } from "node:assert/strict";
import { PyFloat } from "./float.ts";
import { pythonJson } from "./python_json.ts";
import { parseYaml } from "./yaml_file.ts";

Deno.test("pythonJson() writes json.dumps(sort_keys=True, indent=4, ensure_ascii=False)", () => {
  const value = {
    b: [1, new PyFloat(8), 2.5, 1.5e-5, NaN, -Infinity, true, null],
    a: { z: {}, y: [] },
    "é": 'tab\there "quoted" \\ \u0001 ünï',
    "\u{1F600}": 1,
    "\uffff": 2,
  };
  const expected = `{
    "a": {
        "y": [],
        "z": {}
    },
    "b": [
        1,
        8.0,
        2.5,
        1.5e-05,
        NaN,
        -Infinity,
        true,
        null
    ],
    "é": "tab\\there \\"quoted\\" \\\\ \\u0001 ünï",
    "\uffff": 2,
    "\u{1F600}": 1
}`;
  strictEqual(pythonJson(value).text, expected);
});

Deno.test("pythonJson() writes large integers without an exponent", () => {
  strictEqual(pythonJson(1e21).text, "1000000000000000000000");
});

Deno.test("pythonJson() keeps a YAML mapping's order and warns where Python cannot sort its keys", () => {
  const value = parseYaml("x:\n  a: 1\n  0: 2\n", "v.yml");
  const { text, warning } = pythonJson({ h: value });
  strictEqual(
    text,
    '{\n    "h": {\n        "x": {\n            "a": 1,\n            "0": 2\n        }\n    }\n}',
  );
  strictEqual(
    warning,
    "Could not sort JSON output due to issues while sorting keys: " +
      "'<' not supported between instances of 'int' and 'AnsibleUnicode'",
  );
  strictEqual(pythonJson(parseYaml("2: a\n1: b\n", "v.yml")).text, '{\n    "1": "b",\n    "2": "a"\n}');
});
