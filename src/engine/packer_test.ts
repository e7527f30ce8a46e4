import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { Buffer } from "node:buffer";
import { randomFillSync } from "node:crypto";
import { zstdDecompressSync } from "node:zlib";
import { LocalTransport } from "../transport/local.ts";
import type { Packing } from "../transport/packing.ts";
import type { InputPiece, InputPieces, PutOptions, RunOptions, Transport } from "../transport/transport.ts";
import { tarFact } from "./bundle.ts";
import type { Change } from "./change.ts";
import { Packer, packingsFact } from "./packer.ts";
import { runJobs } from "./run.ts";
import type { Step } from "./step.ts";

/** 2 MiB that compress as text does. */
function compressible(): Uint8Array {
  const line = new TextEncoder().encode(
    "flame-session-manager: a line that repeats, as code and tables do\n",
  );
  const out = new Uint8Array(2 * 1024 * 1024);
  for (let at = 0; at < out.length; at += line.length) out.set(line.subarray(0, out.length - at), at);
  return out;
}

function random(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let at = 0; at < bytes; at += 65536) randomFillSync(out.subarray(at, at + 65536));
  return out;
}

Deno.test("packingsFact lists the unpackers the host has, in muster's order", () => {
  assertEquals(packingsFact.parse("gzip\nzstd\n", 0), ["zstd", "gzip"]);
  assertEquals(packingsFact.parse("gzip\n", 0), ["gzip"]);
  assertEquals(packingsFact.parse("", 0), []);
});

Deno.test("Packer compresses a file once for every host, and not what would not shrink", async () => {
  const dir = await Deno.makeTempDir();
  const packer = new Packer();
  try {
    const text = compressible();
    await Deno.writeFile(`${dir}/text`, text);
    await Deno.writeFile(`${dir}/random`, random(1024 * 1024));
    await Deno.writeFile(`${dir}/small`, text.subarray(0, 1000));
    const [a, b] = await Promise.all([
      packer.pack(`${dir}/text`, "t", ["gzip", "zstd"]),
      packer.pack(`${dir}/text`, "t", ["zstd"]),
    ]);
    assertEquals(a?.packing, "zstd");
    assertEquals(a, b);
    ok((await Deno.stat(a!.path)).size < text.length / 10);
    assertEquals(zstdDecompressSync(await Deno.readFile(a!.path)), Buffer.from(text));
    // A host without zstd gets the gzip one; a host without either, the file as it is.
    assertEquals((await packer.pack(`${dir}/text`, "t", ["gzip"]))?.packing, "gzip");
    assertEquals(await packer.pack(`${dir}/text`, "t", []), undefined);
    assertEquals(await packer.pack(`${dir}/random`, "r", ["zstd"]), undefined);
    assertEquals(await packer.pack(`${dir}/small`, "s", ["zstd"]), undefined);
    assertEquals(await packer.pack(text, "bytes", ["zstd"]), undefined);
    assertEquals(await packer.pack(`${dir}/missing`, "m", ["zstd"]), undefined);
    await packer.close();
    assertEquals(await Deno.stat(a!.path).then(() => true, () => false), false);
  } finally {
    await packer.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * A local host that says it is reached over SSH, so that its uploads may be packed and
 * bundled; records each put and each command's input. Without `tar`, its facts say it has none.
 */
class RecordingTransport extends LocalTransport implements Transport {
  readonly puts: (PutOptions & { source: string | Uint8Array })[] = [];
  /** The files the commands' inputs were read from. */
  readonly files: string[] = [];
  tar = true;
  override put(source: string | Uint8Array, remotePath: string, options: PutOptions = {}) {
    this.puts.push({ ...options, source });
    return super.put(source, remotePath, options);
  }
  override run(command: string, options: RunOptions = {}) {
    const { stdin } = options;
    if (typeof stdin === "string" && !this.tar) {
      return super.run(command, { ...options, stdin: stdin.replace(tarFact.command, "true") });
    }
    if (stdin === undefined || typeof stdin === "string" || stdin instanceof Uint8Array) {
      return super.run(command, options);
    }
    return super.run(command, { ...options, stdin: this.#recorded(stdin) });
  }
  async *#recorded(pieces: InputPieces): AsyncIterable<InputPiece> {
    for await (const piece of pieces) {
      if (!(piece instanceof Uint8Array)) this.files.push(piece.file);
      const text = piece instanceof Uint8Array && !this.tar ? new TextDecoder().decode(piece) : undefined;
      yield text?.includes(tarFact.command)
        ? new TextEncoder().encode(text.replace(tarFact.command, "true"))
        : piece;
    }
  }
}

async function installFile(source: string, dest: string, packings: readonly Packing[], { tar = true } = {}) {
  const sha256 = `sha-${crypto.randomUUID()}`;
  const step: Step = {
    role: "test",
    name: "file",
    exitCode: 3,
    facts: [],
    plan: (): Change[] => [{
      action: "create",
      target: dest,
      ops: [{ kind: "upload", source, sha256, dest, mode: 0o755 }],
    }],
  };
  let transport: RecordingTransport | undefined;
  const connection = {
    name: "here",
    kind: "ssh" as const,
    address: "127.0.0.1",
    port: 22,
    become: false,
    becomeUser: "root",
  };
  const outcome = await runJobs([{ connection, steps: [step] }], {
    connect: (c) => {
      transport = new RecordingTransport(c);
      transport.tar = tar;
      return Promise.resolve(transport);
    },
    emit: () => {},
    dryRun: false,
    unreachableExitCode: 3,
    packings,
  });
  return { result: outcome.results[0], puts: transport!.puts, files: transport!.files };
}

Deno.test("runJobs() sends the files and the script as one stream, compressed where the host unpacks it, and the file lands whole", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const text = compressible();
    await Deno.writeFile(`${dir}/source`, text);
    for (const packing of ["zstd", "gzip"] as const) {
      const { result, puts, files } = await installFile(`${dir}/source`, `${dir}/${packing}`, [packing]);
      assertEquals(result.status, "changed");
      assertEquals(puts, [], "no file is put on its own");
      assertEquals(files.length, 1);
      ok(files[0] !== `${dir}/source`, "the packed copy is sent, not the file");
      assertEquals(await Deno.readFile(`${dir}/${packing}`), text);
      assertEquals((await Deno.stat(`${dir}/${packing}`)).mode! & 0o777, 0o755);
    }
    const plain = await installFile(`${dir}/source`, `${dir}/plain`, []);
    assertEquals(plain.files, [`${dir}/source`]);
    assertEquals(await Deno.readFile(`${dir}/plain`), text);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runJobs() uploads each file on its own to a host without tar, compressed where it unpacks it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const text = compressible();
    await Deno.writeFile(`${dir}/source`, text);
    for (const packing of ["zstd", "gzip"] as const) {
      const { result, puts } = await installFile(`${dir}/source`, `${dir}/${packing}`, [packing], {
        tar: false,
      });
      assertEquals(result.status, "changed");
      assertEquals(puts.map((put) => put.packed), [packing]);
      ok(puts[0].source !== `${dir}/source`, "the packed copy is sent, not the file");
      assertEquals(await Deno.readFile(`${dir}/${packing}`), text);
      assertEquals((await Deno.stat(`${dir}/${packing}`)).mode! & 0o777, 0o755);
    }
    const plain = await installFile(`${dir}/source`, `${dir}/plain`, [], { tar: false });
    assertEquals(plain.puts.map((put) => [put.source, put.packed]), [[`${dir}/source`, undefined]]);
    assertEquals(await Deno.readFile(`${dir}/plain`), text);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
