/**
 * Choosing the Python that builds a wheel, with real interpreters: a virtualenv of the
 * Python on PATH (pip and the setuptools it bundles, no `wheel`: the interpreter that used
 * to fail with "invalid command 'bdist_wheel'") and Debian's /usr/bin/python3.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { BuildError } from "../../src/engine/errors.ts";
import { prepareArtifacts } from "./mod.ts";
import { buildNeeds, choosePython, probePython } from "./python.ts";

/** A setuptools project, as most SDKs are. */
async function setuptoolsProject(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "muster-st-" });
  await Deno.writeTextFile(
    `${dir}/pyproject.toml`,
    '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n' +
      '[project]\nname = "stsdk"\nversion = "1.0.0"\n',
  );
  await Deno.mkdir(`${dir}/stsdk`);
  await Deno.writeTextFile(`${dir}/stsdk/__init__.py`, "VALUE = 1\n");
  return dir;
}

/** A virtualenv without `wheel` whose setuptools is older than 70.1 (the one ensurepip bundles). */
async function venvWithoutWheel(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "muster-venv-" });
  const out = await new Deno.Command("python3", { args: ["-m", "venv", dir] }).output();
  ok(out.success, new TextDecoder().decode(out.stderr));
  await new Deno.Command(`${dir}/bin/python`, { args: ["-m", "pip", "uninstall", "-y", "-q", "wheel"] })
    .output();
  return dir;
}

Deno.test("buildNeeds() reads build-system.requires and knows setuptools' backend", async () => {
  const dir = await setuptoolsProject();
  try {
    assertEquals(await buildNeeds(dir), { requires: ["setuptools"], setuptools: true });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("choosePython() passes over an interpreter that cannot build and says what each lacks", async () => {
  const project = await setuptoolsProject();
  const venv = await venvWithoutWheel();
  try {
    const probed = await probePython(`${venv}/bin/python`, await buildNeeds(project));
    ok(
      probed.lacks.some((lack) => lack.startsWith("wheel")),
      `the venv lacks wheel: ${JSON.stringify(probed)}`,
    );
    {
      // The one asked for cannot: the error names it and what it lacks.
      await rejects(
        () => choosePython(project, { python: `${venv}/bin/python` }),
        (e: unknown) =>
          e instanceof BuildError && e.exitCode === 2 &&
          new RegExp(`${venv}/bin/python.*lacks wheel \\(setuptools \\S+ has no bdist_wheel`).test(e.message),
      );
    }
    // With it first on PATH, the system's Python (setuptools and wheel from Debian) is taken.
    const path = Deno.env.get("PATH") ?? "";
    Deno.env.set("PATH", `${venv}/bin:${path}`);
    try {
      assertEquals(await choosePython(project), "/usr/bin/python3");
      // And the build role builds the setuptools SDK's wheel with it, as a run would.
      const source = await Deno.makeTempDir({ prefix: "muster-src-" });
      await Deno.mkdir(`${source}/sdk`);
      await new Deno.Command("cp", { args: ["-a", project, `${source}/sdk/python`] }).output();
      const artifacts = await prepareArtifacts({
        srcDir: source,
        srcRepo: "",
        srcRef: "main",
        skipBuild: false,
        verbose: false,
        dryRun: false,
        binaries: [],
        wheels: [{ name: "stsdk", dir: "sdk/python" }],
        wheelCache: await Deno.makeTempDir({ prefix: "muster-wheels-" }),
        emit: () => {},
      });
      assertEquals(artifacts.wheels.get("stsdk")!.main.name, "stsdk-1.0.0-py3-none-any.whl");
      await artifacts.cleanup();
      await Deno.remove(source, { recursive: true });
    } finally {
      Deno.env.set("PATH", path);
    }
  } finally {
    await Deno.remove(project, { recursive: true });
    await Deno.remove(venv, { recursive: true });
  }
});

Deno.test("choosePython() takes python3 for an in-tree backend that needs nothing", async () => {
  const dir = new URL("../../tests/fixtures/flame/sdk/python", import.meta.url).pathname;
  assertEquals(await choosePython(dir), "python3");
});
