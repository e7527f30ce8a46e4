import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { pyFloat } from "../inventory/float.ts";
import { render, urlPart } from "./render.ts";

Deno.test("render() speaks the Jinja2 Ansible users write: filters, tests, conditionals, loops", () => {
  const context = { port: "8079", names: ["a", "b"], on: "yes", url: "http://10.0.0.1:8080" };
  assertEquals(render("{{ port | int + 1 }}", context, "t"), "8080");
  assertEquals(render("{{ names | join(', ') }}", context, "t"), "a, b");
  assertEquals(render("{{ missing | default('x') }}", context, "t"), "x");
  assertEquals(render("{{ names | to_json }}", context, "t"), '["a","b"]');
  assertEquals(render("{{ on | bool }}", context, "t"), "true");
  assertEquals(render("{{ url | url_host }}:{{ url | url_port }}", context, "t"), "10.0.0.1:8080");
  assertEquals(render("{% for n in names %}[{{ n }}]{% endfor %}", context, "t"), "[a][b]");
  assertEquals(render("{{ 'y' if port == '8079' else 'n' }}", context, "t"), "y");
});

Deno.test("render() keeps a float a float: 8.0 stays 8.0", () => {
  assertEquals(render("version: {{ v }}", { v: pyFloat(8) }, "t"), "version: 8.0");
});

Deno.test("render() names the template and the undefined variable, never renders it empty", () => {
  assertThrows(
    () => render("a\n{{ nope }}", {}, "templates/x.j2"),
    /^UsageError: Cannot render templates\/x\.j2: \[Line 2, Column \d+\] attempted to output null or undefined value/,
  );
});

Deno.test("urlPart() reads host:port as well as URLs, with the scheme's default port", () => {
  assertEquals(urlPart("127.0.0.1:8000", "port"), 8000);
  assertEquals(urlPart("https://h", "port"), 443);
  assertEquals(urlPart("http://[::1]:9/x", "host"), "::1");
});
