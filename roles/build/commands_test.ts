import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { BuildError } from "../../src/engine/errors.ts";
import { prepareArtifacts } from "./mod.ts";

function options(srcDir: string, commands: string[], dryRun = false) {
  return {
    srcDir,
    srcRepo: "",
    srcRef: "main",
    skipBuild: false,
    verbose: false,
    dryRun,
    binaries: [],
    wheels: [],
    commands,
    sourceFiles: [{ name: "tool", path: "out/tool" }],
    logDir: `${srcDir}/.logs`,
    emit: () => {},
  };
}

Deno.test("prepareArtifacts() runs the app's build commands first, in the source, and takes what they make", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const artifacts = await prepareArtifacts(options(dir, ["mkdir -p out", "printf hi > out/tool"]));
    const tool = artifacts.files.get("tool")!;
    assertEquals([tool.path, tool.size], [`${dir}/out/tool`, 2]);
    assertEquals(tool.sha256, "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4");
    // A dry run runs nothing and plans the file as yet to be built.
    await Deno.remove(`${dir}/out`, { recursive: true });
    const planned = await prepareArtifacts(options(dir, ["exit 1"], true));
    assertEquals(planned.files.get("tool")!.sha256, "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("prepareArtifacts() stops with exit 2, the command and its last lines, when a build command fails", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await rejects(
      () =>
        prepareArtifacts(options(dir, ["echo compiling; echo 'no such thing' >&2; exit 7", "touch never"])),
      (e: unknown) =>
        e instanceof BuildError && e.exitCode === 2 &&
        /^Build command failed with exit 7: echo compiling.*\ncompiling\nno such thing$/s.test(e.message),
    );
    assertEquals(await Deno.stat(`${dir}/never`).then(() => true, () => false), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("prepareArtifacts() refuses a source without what the app requires of it, before running anything", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await rejects(
      () => prepareArtifacts({ ...options(dir, ["touch ran"]), title: "Hello", requires: ["hello.py"] }),
      (e: unknown) => e instanceof Error && e.message === `Not a Hello source: ${dir} has no hello.py`,
    );
    assertEquals(await Deno.stat(`${dir}/ran`).then(() => true, () => false), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
