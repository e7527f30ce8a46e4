import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { fileChunks, Slots } from "./ssh_channel.ts";

Deno.test("Slots grants at most its size at once, in order", async () => {
  const slots = new Slots(2);
  const order: number[] = [];
  const first = (await slots.acquire())!;
  const second = (await slots.acquire())!;
  const third = slots.acquire().then((release) => {
    order.push(3);
    return release!;
  });
  const fourth = slots.acquire().then((release) => {
    order.push(4);
    return release!;
  });
  await new Promise((resolve) => setTimeout(resolve, 10));
  assertEquals(order, []);
  first();
  (await third)();
  second();
  (await fourth)();
  assertEquals(order, [3, 4]);
});

Deno.test("Slots.acquire() resolves undefined when its signal aborts while waiting", async () => {
  const slots = new Slots(1);
  const held = (await slots.acquire())!;
  const controller = new AbortController();
  const waiting = slots.acquire(controller.signal);
  controller.abort();
  assertEquals(await waiting, undefined);
  held();
  const again = await slots.acquire();
  assertEquals(typeof again, "function", "the aborted waiter gave its turn back");
});

Deno.test("fileChunks() yields a file's bytes in order", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "data");
    const bytes = Uint8Array.from({ length: 10_000 }, (_, i) => i % 251);
    await Deno.writeFile(path, bytes);
    using file = await Deno.open(path);
    const chunks: Uint8Array[] = [];
    for await (const chunk of fileChunks(file, 4096)) chunks.push(chunk);
    assertEquals(chunks.map((c) => c.length), [4096, 4096, 1808]);
    assertEquals(new Uint8Array(chunks.flatMap((c) => [...c])), bytes);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
