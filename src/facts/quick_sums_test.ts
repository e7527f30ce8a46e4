import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { quickSumsFact, recordSums } from "./quick_sums.ts";

async function sh(script: string, home: string): Promise<string> {
  const out = await new Deno.Command("sh", { args: ["-c", script], env: { HOME: home }, stdout: "piped" })
    .output();
  ok(out.success);
  return new TextDecoder().decode(out.stdout);
}

const sha = async (text: string) =>
  [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");

Deno.test("quickSumsFact() takes a recorded file's checksum as recorded, and hashes what changed, same size and mtime too", async () => {
  const dir = await Deno.makeTempDir();
  const home = await Deno.makeTempDir();
  const where = { dir: `${home}/records` };
  try {
    const [a, b] = [`${dir}/a`, `${dir}/b`];
    await Deno.writeTextFile(a, "alpha");
    await Deno.writeTextFile(b, "bravo");
    const record = "test_prefix.tsv";
    // Recorded with a made-up checksum for a: reading it back proves a was not hashed again.
    await sh(
      recordSums(
        [{ path: a, sha256: "f".repeat(64) }, { path: b, sha256: await sha("bravo") }],
        record,
        where,
      ),
      home,
    );
    const fact = quickSumsFact([a, b, `${dir}/missing`], record, where);
    const first = fact.parse(await sh(fact.command, home), 0);
    assertEquals(first, new Map([[a, "f".repeat(64)], [b, await sha("bravo")]]));
    // b changes to the same size, and its mtime is set back: its ctime still tells.
    const { mtime } = await Deno.stat(b);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await Deno.writeTextFile(b, "BRAVO");
    await Deno.utime(b, mtime!, mtime!);
    const second = fact.parse(await sh(fact.command, home), 0);
    assertEquals(second.get(b), await sha("BRAVO"));
    assertEquals(second.get(a), "f".repeat(64));
    // With checksum, everything is hashed.
    const all = quickSumsFact([a, b], record, { checksum: true });
    assertEquals(all.parse(await sh(all.command, home), 0).get(a), await sha("alpha"));
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("quickSumsFact() hashes files with no record or not in it, names with spaces too, and starts no awk", async () => {
  const dir = await Deno.makeTempDir();
  const home = await Deno.makeTempDir();
  const where = { dir: `${home}/records` };
  try {
    const [a, b] = [`${dir}/a file`, `${dir}/b*`];
    await Deno.writeTextFile(a, "alpha");
    await Deno.writeTextFile(b, "bravo");
    await Deno.mkdir(`${home}/shims`);
    await Deno.writeTextFile(`${home}/shims/awk`, `#!/bin/sh\necho awk >> ${home}/shims/log\nexit 1\n`, {
      mode: 0o755,
    });
    const run = async (command: string) => {
      const out = await new Deno.Command("sh", {
        args: ["-c", command],
        env: { HOME: home, PATH: `${home}/shims:${Deno.env.get("PATH")}` },
        stdout: "piped",
      }).output();
      return new TextDecoder().decode(out.stdout);
    };
    const fact = quickSumsFact([a, b], "r.tsv", where);
    const expected = new Map([[a, await sha("alpha")], [b, await sha("bravo")]]);
    // No record yet: both hashed.
    assertEquals(fact.parse(await run(fact.command), 0), expected);
    // Only a recorded (with a made-up sum that proves it is taken), b not in the record: b hashed.
    await sh(recordSums([{ path: a, sha256: "e".repeat(64) }], "r.tsv", where), home);
    assertEquals(
      fact.parse(await run(fact.command), 0),
      new Map([[a, "e".repeat(64)], [b, await sha("bravo")]]),
    );
    assertEquals(await Deno.stat(`${home}/shims/log`).then(() => true, () => false), false, "no awk started");
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("recordSums() records every file with one stat, and leaves the record as it was when one is missing", async () => {
  const dir = await Deno.makeTempDir();
  const where = { dir: `${dir}/records` };
  try {
    const files = ["a b", "c"].map((name) => ({ path: `${dir}/${name}`, sha256: name.replace(" ", "") }));
    for (const file of files) await Deno.writeTextFile(file.path, file.path);
    await sh(recordSums(files, "r.tsv", where), dir);
    const recorded = await Deno.readTextFile(`${dir}/records/r.tsv`);
    const lines = recorded.trim().split("\n").map((line) => line.split("\t"));
    assertEquals(lines.map(([path, , sum]) => [path, sum]), files.map((file) => [file.path, file.sha256]));
    const { size, ino } = await Deno.stat(files[0].path);
    assertEquals(lines[0][1].split(" ").map(Number).filter((_, i) => i === 0 || i === 3), [size, ino]);
    await sh(recordSums([...files, { path: `${dir}/gone`, sha256: "x" }], "r.tsv", where), dir);
    assertEquals(await Deno.readTextFile(`${dir}/records/r.tsv`), recorded);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
