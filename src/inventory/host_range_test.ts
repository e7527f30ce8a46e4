import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { expandHostnameRange, expandHostPattern, HostPatternError, parseAddress } from "./host_range.ts";

Deno.test("expandHostPattern() expands numeric, padded, stepped and letter ranges", () => {
  assertEquals(expandHostPattern("www[01:03].example.com").hosts, [
    "www01.example.com",
    "www02.example.com",
    "www03.example.com",
  ]);
  assertEquals(expandHostPattern("db-[a:c]").hosts, ["db-a", "db-b", "db-c"]);
  assertEquals(expandHostPattern("n[0:10:5]").hosts, ["n0", "n5", "n10"]);
  assertEquals(expandHostPattern("x[:2]").hosts, ["x0", "x1", "x2"]);
  assertEquals(expandHostPattern("s[y:B]").hosts, ["sy", "sz", "sA", "sB"]);
});

Deno.test("expandHostPattern() expands several ranges, first range first", () => {
  assertEquals(expandHostPattern("r[1:2]-n[a:b]").hosts, ["r1-na", "r1-nb", "r2-na", "r2-nb"]);
});

Deno.test("expandHostPattern() splits a port off names, IPv4 and bracketed IPv6", () => {
  assertEquals(expandHostPattern("app[1:2]:2222"), { hosts: ["app1", "app2"], port: 2222 });
  assertEquals(expandHostPattern("10.0.0.1:22"), { hosts: ["10.0.0.1"], port: 22 });
  assertEquals(expandHostPattern("[2001:db8::1]:2201"), { hosts: ["2001:db8::1"], port: 2201 });
  assertEquals(expandHostPattern("fe80::1"), { hosts: ["fe80::1"], port: undefined });
});

Deno.test("expandHostPattern() keeps names Ansible cannot parse as addresses", () => {
  assertEquals(expandHostPattern("web_"), { hosts: ["web_"], port: undefined });
});

Deno.test("expandHostnameRange() returns nothing for an empty range, as Ansible does", () => {
  assertEquals(expandHostnameRange("x[3:1]"), []);
  assertEquals(expandHostnameRange("x[1:3:-1]"), []);
});

Deno.test("expandHostnameRange() rejects malformed ranges", () => {
  for (const bad of ["h[1-2]", "h[1:2", "x[01:3]", "x[1:3:0]", "x[a:3]", "x[c:a]", "x[1:]"]) {
    assertThrows(() => expandHostPattern(bad), HostPatternError, bad);
  }
});

Deno.test("parseAddress() refuses ranges unless allowed", () => {
  assertEquals(parseAddress("web1:22"), { host: "web1", port: 22 });
  assertThrows(() => parseAddress("web[1:2]"), HostPatternError);
  assertThrows(() => parseAddress("not valid!"), HostPatternError);
});
