import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { createHash } from "node:crypto";
import { HostSession } from "./session.ts";
import { localTransport } from "./testing.ts";

const local = localTransport();

Deno.test("a session gathers, then runs the next command on the input that follows, byte for byte", async () => {
  // A fact that reads its input gets none: what follows is the next command's.
  const session = new HostSession(local, "echo gathered; cat; echo $$ > /dev/null\n", "n1");
  const facts = await session.facts;
  ok("stdout" in facts);
  assertEquals(facts.stdout.split("\n").filter(Boolean), ["gathered"]);
  const data = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7919) % 251);
  const result = await session.next("exec sha256sum", [data.subarray(0, 1000), data.subarray(1000)]);
  assertEquals(result.code, 0);
  assertEquals(result.stdout.split(" ")[0], createHash("sha256").update(data).digest("hex"));
});

Deno.test("a session's next command reads its script as the session's own shell would", async () => {
  const session = new HostSession(local, "echo gathered\n", "n2");
  await session.facts;
  const lines: string[] = [];
  const result = await session.next("exec sh -s", "echo one\necho two >&2\nexit 4\n", {
    onStdout: (chunk) => lines.push(chunk),
  });
  assertEquals([result.code, result.stdout, result.stderr], [4, "one\n", "two\n"]);
  assertEquals(lines.join(""), "one\n");
});

Deno.test("an ended session's shell exits, and nothing runs after the facts", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const session = new HostSession(local, "echo gathered\n", "n3");
    await session.facts;
    await session.end();
    await session.end();
    // Ended, a later next() runs nothing.
    const result = await session.next(`touch ${dir}/ran`, "");
    assertEquals(result.stdout, "");
    assertEquals(await Deno.stat(`${dir}/ran`).then(() => true, () => false), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a session whose command ends before its facts do says how it ended", async () => {
  const session = new HostSession(local, "echo partial; echo why >&2; exit 3\n", "n4");
  const facts = await session.facts;
  ok("ended" in facts);
  assertEquals([facts.ended.code, facts.ended.stdout, facts.ended.stderr], [3, "partial\n", "why\n"]);
});

Deno.test("a session's next command is one line", async () => {
  const session = new HostSession(local, "true\n", "n5");
  await session.facts;
  const error = await session.next("echo a\necho b", "").then(() => undefined, (e: Error) => e);
  ok(error?.message.includes("one line"));
  await session.end();
});
