import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { BuildError } from "../../src/engine/errors.ts";
import { cannotRun, readWorkspace } from "./source.ts";

Deno.test("readWorkspace() tells a cargo without a toolchain from a bad source, with what to do", async () => {
  const dir = await Deno.makeTempDir();
  const bin = await Deno.makeTempDir();
  const path = Deno.env.get("PATH") ?? "";
  try {
    await Deno.writeTextFile(`${dir}/Cargo.toml`, "[workspace]\nmembers = []\n");
    // rustup's own words when HOME has no default toolchain (as under sudo).
    await Deno.writeTextFile(
      `${bin}/cargo`,
      "#!/bin/sh\necho 'error: rustup could not choose a version of cargo to run, because one wasn'\"'\"'t specified explicitly, and no default is configured.' >&2\nexit 1\n",
      { mode: 0o755 },
    );
    Deno.env.set("PATH", `${bin}:${path}`);
    await rejects(
      () => readWorkspace(dir, { cargoRequired: true, title: "Flame" }),
      (e: unknown) =>
        e instanceof BuildError && e.exitCode === 2 &&
        e.message.startsWith("Cannot build Flame: cargo cannot run here: error: rustup could not choose") &&
        /rustup default stable/.test(e.hint ?? "") && !/Pass --src-dir/.test(e.hint ?? ""),
    );
  } finally {
    Deno.env.set("PATH", path);
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(bin, { recursive: true });
  }
});

Deno.test("cannotRun() knows rustup's refusals and nothing else", () => {
  assertEquals(cannotRun("error: toolchain 'stable-x86_64-unknown-linux-gnu' is not installed"), true);
  assertEquals(cannotRun("error: failed to parse manifest at `/x/Cargo.toml`"), false);
});
