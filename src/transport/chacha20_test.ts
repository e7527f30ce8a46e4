import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { Buffer } from "node:buffer";
import crypto, { createCipheriv, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { ChaCha20 } from "./chacha20.ts";

const KEY = randomBytes(32);

function iv(counter: number): Buffer {
  const bytes = randomBytes(16);
  bytes.writeUInt32LE(counter, 0);
  return bytes;
}

Deno.test("ChaCha20 gives the keystream of one native cipher, however the data is split", () => {
  const data = randomBytes(5000);
  for (const counter of [0, 1, 0xfffffff0]) {
    const start = iv(counter);
    const whole = createCipheriv("chacha20", KEY, start).update(data);
    for (const cuts of [[4, 5000], [64, 128, 5000], [1, 63, 65, 200, 4999, 5000], [5000]]) {
      const cipher = new ChaCha20(KEY, start);
      let from = 0;
      const pieces = cuts.map((to) => cipher.update(data.subarray(from, from = to)));
      assertEquals(Buffer.concat(pieces), whole, `counter ${counter}, cut at ${cuts}`);
    }
  }
});

Deno.test("ChaCha20 decrypts what it encrypted", () => {
  const start = iv(7);
  const data = randomBytes(1000);
  assertEquals(new ChaCha20(KEY, start).update(new ChaCha20(KEY, start).update(data)), data);
});

Deno.test("require('crypto') hands out ChaCha20 for chacha20 only; ES imports keep the originals", () => {
  const required = createRequire(import.meta.url)("crypto") as typeof crypto;
  assert(required.createCipheriv("chacha20", KEY, iv(0)) instanceof ChaCha20);
  assert(required.createDecipheriv("chacha20", KEY, iv(0)) instanceof ChaCha20);
  assert(!(required.createCipheriv("aes-256-ctr", KEY, iv(0)) instanceof ChaCha20));
  assert(!(createCipheriv("chacha20", KEY, iv(0)) instanceof ChaCha20));
  // A KeyObject key is Node's to handle, as before.
  const keyObject = required.createCipheriv("chacha20", crypto.createSecretKey(KEY), iv(0));
  assert(!(keyObject instanceof ChaCha20));
});

Deno.test("one-shot chacha20 ciphers made as ssh2 makes them do not keep memory", async () => {
  // ssh2 makes three per packet. Unpatched, 300,000 keep about 80 MB until the process exits.
  const script = `
    import "${new URL("./chacha20.ts", import.meta.url)}";
    import { createRequire } from "node:module";
    const { createCipheriv } = createRequire(import.meta.url)("crypto");
    const key = new Uint8Array(32), iv = new Uint8Array(16), zeros = new Uint8Array(32);
    const settled = async () => { for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setTimeout(r, 20)); } return Deno.memoryUsage().rss; };
    const round = () => { for (let i = 0; i < 100000; i++) createCipheriv("chacha20", key, iv).update(zeros); };
    round();
    const before = await settled();
    round(); round(); round();
    console.log(((await settled()) - before) / 1e6);`;
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(file, script);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--v8-flags=--expose-gc", file],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(out.success, new TextDecoder().decode(out.stderr));
    const grownMb = Number(new TextDecoder().decode(out.stdout));
    assert(grownMb < 20, `300,000 ciphers grew the process by ${grownMb.toFixed(1)} MB`);
  } finally {
    await Deno.remove(file);
  }
});
