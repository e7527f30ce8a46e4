import { deepStrictEqual as assertEquals, notDeepStrictEqual as assertNotEquals } from "node:assert/strict";
import { cacheDir, cachedWheel, sourceDigest, storeWheel } from "./wheel_cache.ts";

Deno.test("sourceDigest() changes with the SDK's sources and ignores build outputs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/flamepy`);
    await Deno.writeTextFile(`${dir}/flamepy/__init__.py`, "__version__ = '1'\n");
    const first = await sourceDigest(dir, "python3");
    await Deno.mkdir(`${dir}/build`);
    await Deno.writeTextFile(`${dir}/build/junk.py`, "x");
    await Deno.mkdir(`${dir}/flamepy.egg-info`);
    assertEquals(await sourceDigest(dir, "python3"), first);
    assertNotEquals(await sourceDigest(dir, "/usr/bin/python3"), first);
    await Deno.writeTextFile(`${dir}/flamepy/__init__.py`, "__version__ = '2'\n");
    assertNotEquals(await sourceDigest(dir, "python3"), first);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("storeWheel() keeps a wheel under its digest, and cachedWheel() finds it", async () => {
  const home = await Deno.makeTempDir();
  try {
    const dir = cacheDir("abc", { get: (key) => (key === "XDG_CACHE_HOME" ? home : undefined) });
    assertEquals(dir, `${home}/muster/wheels/abc`);
    assertEquals(await cachedWheel(dir), undefined);
    await Deno.writeTextFile(`${home}/w.whl`, "wheel");
    const stored = await storeWheel(dir, {
      path: `${home}/w.whl`,
      name: "flamepy-0.1.0-py3-none-any.whl",
      requirements: [],
    });
    assertEquals(stored, `${dir}/flamepy-0.1.0-py3-none-any.whl`);
    assertEquals(await cachedWheel(dir), stored);
    assertEquals(await Deno.readTextFile(stored), "wheel");
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
