import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { createHash, randomFillSync } from "node:crypto";
import { gunzipSync, zstdDecompressSync } from "node:zlib";
import type { Packing } from "../transport/packing.ts";
import { quote } from "../transport/quote.ts";
import type { InputPiece } from "../transport/transport.ts";
import { applyScript } from "./apply_script.ts";
import { bundleCommand, bundleInput, stored, tarFact } from "./bundle.ts";
import { shOp } from "./change.ts";
import { Packer } from "./packer.ts";
import { STAGED_SCRIPT, type Upload } from "./place.ts";
import { localTransport } from "./testing.ts";

const local = localTransport();

function bytes(length: number, fill: (out: Uint8Array) => void): Uint8Array {
  const out = new Uint8Array(length);
  fill(out);
  return out;
}

/** What the staged files hold: name, mode and SHA-256 of each, as the script sees them. */
const LIST = `cd "$(dirname "$0")" && find . -path ./${STAGED_SCRIPT} -prune -o -print | sort | ` +
  `while read -r f; do if [ -f "$f" ]; then echo "$f $(stat -c %a "$f") $(sha256sum < "$f" | cut -c1-16)"; ` +
  `else echo "$f $(stat -c %a "$f") dir"; fi; done`;

function sha(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex").slice(0, 16);
}

for (const packing of ["zstd", "gzip", undefined] as (Packing | undefined)[]) {
  Deno.test(`a bundle (${packing ?? "not compressed"}) unpacks every upload whole in the stage, then runs the script`, async () => {
    const dir = await Deno.makeTempDir();
    const packer = new Packer();
    try {
      const text = bytes(3 * 1024 * 1024, (out) => {
        const line = new TextEncoder().encode("a line that repeats, as code and tables do\n");
        for (let at = 0; at < out.length; at += line.length) out.set(line.subarray(0, out.length - at), at);
      });
      const random = bytes(700_001, (out) => {
        for (let at = 0; at < out.length; at += 65536) randomFillSync(out.subarray(at, at + 65536));
      });
      const small = new TextEncoder().encode("small\n");
      await Deno.writeFile(`${dir}/text`, text);
      await Deno.writeFile(`${dir}/random`, random);
      await Deno.writeFile(`${dir}/empty`, new Uint8Array());
      const stage = `${dir}/muster-stage-x`;
      const long = `${"n".repeat(120)}.bin`;
      const uploads: Upload[] = [
        { source: `${dir}/text`, sha256: "t", stagePath: `${stage}/flmctl` },
        { source: `${dir}/random`, sha256: "r", stagePath: `${stage}/.1/flmctl` },
        { source: `${dir}/empty`, sha256: "e", stagePath: `${stage}/empty` },
        { source: small, sha256: "s", stagePath: `${stage}/${long}` },
      ];
      const input = await bundleInput(uploads, `${LIST}\n`, { stage, packing, packer });
      const result = await local.run(bundleCommand(stage, packing), { stdin: input });
      assertEquals(result.stderr, "");
      assertEquals(result.code, 0);
      assertEquals(
        result.stdout.split("\n").filter(Boolean),
        [
          ". 700 dir",
          `./${long} 600 ${sha(small)}`,
          "./.1 700 dir",
          `./.1/flmctl 600 ${sha(random)}`,
          `./empty 600 ${sha(new Uint8Array())}`,
          `./flmctl 600 ${sha(text)}`,
        ].sort(),
      );
      // Each file's content is the packer's, compressed once for the run: a second host's
      // bundle points at the same files.
      const again = await bundleInput(uploads, "true\n", { stage, packing, packer });
      const files = (pieces: InputPiece[]) => pieces.filter((piece) => !(piece instanceof Uint8Array));
      assertEquals(files(again), files(input));
      assertEquals(files(input).length, 3);
    } finally {
      await packer.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("a bundle that cannot be unpacked runs nothing and leaves no stage", async () => {
  const dir = await Deno.makeTempDir();
  const packer = new Packer();
  try {
    await Deno.writeFile(`${dir}/file`, new Uint8Array(300_000).fill(65));
    const stage = `${dir}/muster-stage-y`;
    const uploads: Upload[] = [{ source: `${dir}/file`, sha256: "f", stagePath: `${stage}/file` }];
    const input = await bundleInput(uploads, `echo ran > ${quote(`${dir}/ran`)}\n`, {
      stage,
      packing: "zstd",
      packer,
    });
    // The stream cut short, after the first file's frame: the script never arrives.
    const result = await local.run(bundleCommand(stage, "zstd"), { stdin: input.slice(0, 2) });
    ok(result.code !== 0);
    assertEquals(await Deno.stat(stage).then(() => true, () => false), false);
    assertEquals(await Deno.stat(`${dir}/ran`).then(() => true, () => false), false);
    // Corrupt bytes: zstd's words, no stage, nothing run.
    const corrupt = await local.run(bundleCommand(stage, "zstd"), {
      stdin: [new TextEncoder().encode("not a zstd frame at all")],
    });
    ok(corrupt.code !== 0);
    ok(/zstd/.test(corrupt.stderr), corrupt.stderr);
    assertEquals(await Deno.stat(stage).then(() => true, () => false), false);
  } finally {
    await packer.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a missing source fails the bundle with its path", async () => {
  const stage = "/var/tmp/muster-stage-z";
  const uploads: Upload[] = [{ source: "/nonexistent/flmctl", sha256: "m", stagePath: `${stage}/flmctl` }];
  const error = await bundleInput(uploads, "true\n", { stage }).then(() => undefined, (e: Error) => e);
  ok(error?.message.includes("/nonexistent/flmctl"), error?.message);
});

Deno.test("tarFact says whether the host has tar", () => {
  assertEquals(tarFact.parse("tar\n", 0), true);
  assertEquals(tarFact.parse("", 0), false);
});

Deno.test({
  name: "a bundled apply script leaves each file the mode it was unpacked with, and gives each owner once",
  ignore: Deno.uid() !== 0,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const packer = new Packer();
    try {
      const stage = `${dir}/muster-stage-b`;
      const file = (name: string, bytes: number, mode: number, owner?: string) => ({
        kind: "upload" as const,
        source: new TextEncoder().encode(name.repeat(bytes / name.length)),
        sha256: name,
        dest: `${dir}/${name.startsWith("bin") ? "bin" : "etc"}/${name}`,
        mode,
        ...(owner ? { owner, group: owner === "root" ? "root" : "nogroup" } : {}),
      });
      const step = (...ops: ReturnType<typeof file>[]) => ({
        changes: [{ action: "create" as const, target: "t", ops }],
      });
      const { script, uploads } = applyScript([
        { changes: [{ action: "create", target: "dirs", ops: [shOp(`mkdir -p ${dir}/bin ${dir}/etc`)] }] },
        step(file("bin-tool", 300_000, 0o755, "nobody"), file("etc-conf.yaml", 40, 0o640, "nobody")),
        step(file("etc-env.sh", 30, 0o755, "nobody"), file("etc-unit.service", 50, 0o644, "root")),
      ], { nonce: "n", stage, localSources: false, uid: 0, bundled: true });
      // The texts come with the binary; no chmod, one chown for nobody's three files, none for root's.
      assertEquals(uploads.length, 4);
      assertEquals(script.match(/\bchmod /g), null);
      assertEquals(script.match(/\bchown /g)?.length, 1);
      const result = await local.run(bundleCommand(stage, "zstd"), {
        stdin: await bundleInput(uploads, script, { stage, packing: "zstd", packer }),
      });
      assertEquals(result.code, 0, result.stderr);
      const listing = await local.run(
        `cd ${
          quote(dir)
        } && stat -c '%n %a %U' bin/bin-tool etc/etc-conf.yaml etc/etc-env.sh etc/etc-unit.service`,
      );
      assertEquals(listing.stdout.trim().split("\n"), [
        "bin/bin-tool 755 nobody",
        "etc/etc-conf.yaml 640 nobody",
        "etc/etc-env.sh 755 nobody",
        "etc/etc-unit.service 644 root",
      ]);
      assertEquals(await Deno.readTextFile(`${dir}/etc/etc-env.sh`), "etc-env.sh".repeat(3));
      assertEquals(await Deno.stat(stage).then(() => true, () => false), false);
    } finally {
      await packer.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("stored() makes a frame (member) that zstd and gzip read back as the very bytes, whatever their size", async () => {
  for (const size of [0, 1, 65535, 65536, 128 * 1024, 128 * 1024 + 1, 300_001]) {
    const bytes = new Uint8Array(size).map((_, i) => (i * 31) % 256);
    const [zstd, gzip] = [stored(bytes, "zstd"), stored(bytes, "gzip")];
    assertEquals(new Uint8Array(zstdDecompressSync(zstd)), bytes, `zstd, ${size} bytes`);
    assertEquals(new Uint8Array(gunzipSync(gzip)), bytes, `gzip, ${size} bytes`);
    // The hosts' own programs, too, and two in a row as one stream.
    for (
      const [frame, command] of [[zstd, "zstd -dcq | sha256sum"], [gzip, "gzip -dc | sha256sum"]] as const
    ) {
      const result = await local.run(command, { stdin: [frame, frame] });
      const twice = createHash("sha256").update(bytes).update(bytes).digest("hex");
      assertEquals(result.stdout.split(" ")[0], twice, `${command}, ${size} bytes`);
    }
  }
});
