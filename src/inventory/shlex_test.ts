import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { ShlexError, shlexSplit } from "./shlex.ts";

const words = (line: string) => shlexSplit(line).map((w) => w.value);

Deno.test("shlexSplit() splits on whitespace and removes quotes", () => {
  assertEquals(words(`web1 x="a b" y='c d' z=e\\ f`), ["web1", "x=a b", "y=c d", "z=e f"]);
  assertEquals(words(`a=''`), ["a="]);
  assertEquals(words(`''`), [""]);
});

Deno.test("shlexSplit() starts a comment at # even inside a word", () => {
  assertEquals(words("web1 x=1 # comment"), ["web1", "x=1"]);
  assertEquals(words("web1 y=a#b z=1"), ["web1", "y=a"]);
  assertEquals(words(`web1 msg="a # b"`), ["web1", "msg=a # b"]);
});

Deno.test('shlexSplit() keeps backslashes inside double quotes unless they escape " or \\', () => {
  assertEquals(words(String.raw`a="x\"y" b="x\ny" c='x\y'`), ['a=x"y', "b=x\\ny", "c=x\\y"]);
});

Deno.test("shlexSplit() gives the offset of each word", () => {
  assertEquals(shlexSplit(`h1   'k w'=v`).map((w) => w.start), [0, 5]);
});

Deno.test("shlexSplit() throws on an unclosed quote, with its offset", () => {
  assertThrows(() => shlexSplit(`web1 x="open`), (e: unknown) => e instanceof ShlexError && e.offset === 7);
});
