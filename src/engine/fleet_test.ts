import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { batches, batchSize, limiter, runFleet } from "./fleet.ts";

Deno.test("batchSize() takes a count or a percentage, and never less than one", () => {
  assertEquals(batchSize(10, 3), 3);
  assertEquals(batchSize(10, "30%"), 3);
  assertEquals(batchSize(10, "1%"), 1);
  throws(() => batchSize(10, "x"), /Invalid serial value: 'x'/);
});

Deno.test("batches() splits in order, and keeps everything in one batch without serial", () => {
  assertEquals(batches([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  assertEquals(batches([1, 2, 3]), [[1, 2, 3]]);
});

Deno.test("runFleet() never runs more than forks items at once", async () => {
  let running = 0;
  let peak = 0;
  const results = await runFleet(
    Array.from({ length: 12 }, (_, i) => i),
    { forks: 3 },
    async (i) => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return i * 2;
    },
    () => false,
    () => -1,
  );
  assertEquals(peak, 3);
  assertEquals(results, Array.from({ length: 12 }, (_, i) => i * 2));
});

Deno.test("runFleet() starts the next host as soon as any one ends, never waiting for a wave", async () => {
  const started: string[] = [];
  const release = new Map<string, () => void>();
  const ends = (name: string) => new Promise<void>((resolve) => release.set(name, resolve));
  const running = runFleet(
    ["slow", "quick", "third", "fourth"],
    { forks: 2 },
    async (name) => {
      started.push(name);
      await ends(name);
      return name;
    },
    () => false,
    () => "skipped",
  );
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  await settle();
  assertEquals(started, ["slow", "quick"]);
  release.get("quick")!();
  await settle();
  // "slow" still runs: the third host took the slot "quick" left.
  assertEquals(started, ["slow", "quick", "third"]);
  release.get("third")!();
  await settle();
  assertEquals(started, ["slow", "quick", "third", "fourth"]);
  release.get("fourth")!();
  release.get("slow")!();
  assertEquals(await running, ["slow", "quick", "third", "fourth"]);
});

Deno.test("runFleet() stops starting batches once more than maxFailPercent failed", async () => {
  const results = await runFleet(
    [1, 2, 3, 4, 5, 6],
    { serial: 2, maxFailPercent: 20 },
    (i) => Promise.resolve(i <= 2 ? "failed" : "ok"),
    (r) => r === "failed",
    (_, reason) => reason,
  );
  assertEquals(results.slice(0, 2), ["failed", "failed"]);
  assertEquals(results.slice(2).every((r) => r.startsWith("not started")), true);
});

Deno.test("runFleet() starts nothing new once the signal is aborted", async () => {
  const controller = new AbortController();
  const results = await runFleet(
    [1, 2, 3, 4],
    { forks: 1, signal: controller.signal },
    (i) => {
      if (i === 2) controller.abort();
      return Promise.resolve("done");
    },
    () => false,
    () => "skipped",
  );
  assertEquals(results, ["done", "done", "skipped", "skipped"]);
});

Deno.test("limiter() never lets more than its limit run at once, across all its holders", async () => {
  const limit = limiter(3);
  let running = 0;
  let peak = 0;
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    limit(async () => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 2));
      running--;
      return i;
    })));
  assertEquals(peak, 3);
  assertEquals(results, Array.from({ length: 20 }, (_, i) => i));
});
