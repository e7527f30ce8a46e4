/**
 * The build role against the real toolchain: cargo builds the Flame fixture, pip builds its
 * wheel, git clones a local repository. Each test works on its own copy of the fixture in
 * a temporary directory so that nothing races on `target/`; the successful build is shared.
 */

import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { dirname, join } from "node:path";
import { BuildError, CancelledError, UsageError } from "../src/engine/errors.ts";
import type { RunEvent } from "../src/engine/events.ts";
import { type Artifacts, type BuildOptions, prepareArtifacts } from "../roles/build/mod.ts";

/** The Flame fixture's Python SDK, as Flame's definition builds it. */
const SDK = [{ name: "flamepy", dir: "sdk/python" }];

const FIXTURE = new URL("./fixtures/flame/", import.meta.url).pathname;
const ALL = [
  "flame-session-manager",
  "flame-executor-manager",
  "flame-object-cache",
  "flmctl",
  "flmadm",
  "flmping-service",
  "flmexec-service",
  "flmping",
  "flmexec",
];
const SKIP = new Set(["target", "build", "dist", "__pycache__"]);

const temps: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const dir of temps) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Already gone, or a killed rustc still writing: the OS cleans temporary directories.
    }
  }
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: `muster-test-${prefix}-` });
  temps.push(dir);
  return dir;
}

async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (SKIP.has(entry.name) || entry.name.endsWith(".egg-info")) continue;
    const [src, dst] = [join(from, entry.name), join(to, entry.name)];
    if (entry.isDirectory) await copyTree(src, dst);
    else if (entry.isFile) await Deno.copyFile(src, dst);
  }
}

/** A fresh copy of the fixture, never built. */
async function fixtureCopy(): Promise<string> {
  const dir = join(await tempDir("src"), "flame");
  await copyTree(FIXTURE, dir);
  return dir;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

async function digest(path: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest("SHA-256", await Deno.readFile(path)));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function run(command: string, args: string[], cwd?: string): Promise<string> {
  const output = await new Deno.Command(command, { args, cwd, stdin: "null" }).output();
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  if (!output.success) throw new Error(`${command} ${args.join(" ")} failed:\n${text}`);
  return text;
}

interface Recorded {
  artifacts: Artifacts;
  events: RunEvent[];
  ms: number;
}

/** One wheel cache for this file, empty at its start, so the first wheel is really built by pip. */
let cache: Promise<string> | undefined;
function wheelCache(): Promise<string> {
  cache ??= tempDir("wheels");
  return cache;
}

async function build(options: Partial<BuildOptions>): Promise<Recorded> {
  const events: RunEvent[] = [];
  const started = performance.now();
  const artifacts = await prepareArtifacts({
    srcRepo: "/nonexistent",
    srcRef: "main",
    skipBuild: false,
    verbose: false,
    dryRun: false,
    binaries: ALL,
    wheels: [],
    logDir: await tempDir("logs"),
    wheelCache: await wheelCache(),
    emit: (event) => events.push(event),
    ...options,
  });
  return { artifacts, events, ms: Math.round(performance.now() - started) };
}

async function failure(
  options: Partial<BuildOptions>,
): Promise<Error & { exitCode?: number; hint?: string }> {
  let caught: unknown;
  try {
    const { artifacts } = await build(options);
    await artifacts.cleanup();
  } catch (error) {
    caught = error;
  }
  ok(caught instanceof Error, "expected prepareArtifacts() to fail");
  return caught as Error & { exitCode?: number; hint?: string };
}

const of = <T extends RunEvent["type"]>(events: RunEvent[], type: T) =>
  events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);

// One real build of the fixture, shared by the tests that need built binaries.
let built: { dir: string; cold: Recorded } | undefined;
async function builtFixture(): Promise<{ dir: string; cold: Recorded }> {
  if (!built) {
    const dir = await fixtureCopy();
    built = { dir, cold: await build({ srcDir: dir, wheels: SDK }) };
    console.log(`cold build of the fixture and its wheel: ${built.cold.ms} ms`);
  }
  return built;
}

Deno.test("prepareArtifacts() builds every binary asked for, with its SHA-256 and size", async () => {
  const { dir, cold: { artifacts, events } } = await builtFixture();
  try {
    assertEquals(artifacts.srcDir, dir);
    assertEquals(artifacts.planned, false);
    assertEquals([...artifacts.files.keys()], ALL);
    for (const [name, artifact] of artifacts.files) {
      assertEquals(artifact.name, name);
      assertEquals(artifact.path, join(dir, "target", "release", name));
      assertEquals(artifact.sha256, await digest(artifact.path));
      assertEquals(artifact.size, (await Deno.stat(artifact.path)).size);
    }
    assertEquals((await run(artifacts.files.get("flmctl")!.path, ["--version"])).trim(), "flmctl 0.1.0");

    // Progress: the total comes from cargo metadata (7 packages with binaries + common).
    assertEquals(of(events, "build-start"), [{ type: "build-start", total: 8 }]);
    const progress = of(events, "build-progress");
    assertEquals(progress.map((e) => e.current), [1, 2, 3, 4, 5, 6, 7, 8]);
    ok(progress.every((e) => e.total === 8));
    assertEquals(progress[0].unit, "common");
    ok(of(events, "build-output").some((e) => e.line.includes("Finished `release` profile")));
    assertEquals(of(events, "build-end").map((e) => e.ok), [true]);

    const log = await Deno.readTextFile(artifacts.logFile!);
    ok(log.includes("cargo build --release --bin flame-session-manager"), log);
    ok(log.includes("Compiling common v0.1.0"), log);
  } finally {
    await artifacts.cleanup();
  }
  ok(await exists(dir), "cleanup() must not remove a --src-dir");
});

Deno.test("prepareArtifacts() builds the flamepy wheel once, with its SHA-256", async () => {
  const { cold: { artifacts } } = await builtFixture();
  const wheel = artifacts.wheels.get("flamepy")!.main;
  assertEquals(wheel.name, "flamepy-0.1.0-py3-none-any.whl");
  assertEquals(wheel.path.endsWith("/" + wheel.name), true);
  ok(!wheel.path.startsWith(artifacts.srcDir), "the wheel is built outside the source");
  ok(
    (await Deno.readTextFile(artifacts.logFile!)).includes(
      "pip wheel --no-deps --no-build-isolation --no-index",
    ),
  );
  // The wheel is kept in muster's cache (keyed by the SDK's sources) across runs and cleanups.
  assertEquals(await exists(wheel.path), true);

  const { artifacts: again } = await build({ srcDir: artifacts.srcDir, binaries: [], wheels: SDK });
  try {
    const whl = again.wheels.get("flamepy")!.main;
    assertEquals(whl.sha256, await digest(whl.path));
    assertEquals(whl.size, (await Deno.stat(whl.path)).size);
    assertEquals(whl.sha256, wheel.sha256, "the fixture's wheel is reproducible");
    const imported = await new Deno.Command("python3", {
      args: ["-c", "import flamepy; print(flamepy.__version__)"],
      env: { PYTHONPATH: whl.path },
    }).output();
    assertEquals(new TextDecoder().decode(imported.stdout).trim(), "0.1.0");
    assertEquals(whl.path, wheel.path, "the second run takes the wheel from the cache");
    assertEquals(again.logFile, undefined, "no pip run, so no build log");
  } finally {
    await again.cleanup();
  }
  assertEquals(await exists(again.wheels.get("flamepy")!.main.path), true, "cleanup() keeps the cache");
});

Deno.test("prepareArtifacts() on a built source compiles nothing and gives the same artifacts", async () => {
  const { dir, cold } = await builtFixture();
  const warm = await build({ srcDir: dir });
  console.log(`warm build of the fixture: ${warm.ms} ms`);
  assertEquals(of(warm.events, "build-progress"), []);
  assertEquals(of(warm.events, "build-end").map((e) => e.ok), [true]);
  for (const [name, artifact] of warm.artifacts.files) {
    assertEquals(artifact.sha256, cold.artifacts.files.get(name)!.sha256, name);
  }
});

Deno.test("prepareArtifacts() with skipBuild uses the binaries in target/release", async () => {
  const { dir, cold } = await builtFixture();
  const { artifacts, events } = await build({
    srcDir: dir,
    skipBuild: true,
    binaries: ["flmctl", "flmping"],
  });
  assertEquals([...artifacts.files.keys()], ["flmctl", "flmping"]);
  assertEquals(artifacts.files.get("flmctl"), cold.artifacts.files.get("flmctl"));
  assertEquals(artifacts.planned, false);
  assertEquals(artifacts.logFile, undefined);
  assertEquals(events.filter((e) => e.type.startsWith("build-")), []);
});

Deno.test("prepareArtifacts() with skipBuild and nothing built fails with exit 1 naming the binary", async () => {
  const dir = await fixtureCopy();
  const error = await failure({
    srcDir: dir,
    skipBuild: true,
    binaries: ["flmctl", "flame-session-manager"],
  });
  ok(error instanceof UsageError);
  assertEquals(error.exitCode, 1);
  ok(error.message.includes("flmctl, flame-session-manager"), error.message);
  ok(error.message.includes(join(dir, "target", "release", "flame-session-manager")), error.message);
  ok(error.hint?.includes("cargo build --release"), error.hint);
});

Deno.test("prepareArtifacts() in a dry run builds nothing and plans from target/release as found", async () => {
  const fresh = await fixtureCopy();
  const { artifacts, events } = await build({
    srcDir: fresh,
    dryRun: true,
    wheels: SDK,
    wheelCache: await tempDir("no-wheels"),
  });
  assertEquals(artifacts.planned, true);
  for (const artifact of artifacts.files.values()) {
    assertEquals([artifact.sha256, artifact.size], ["", 0]);
    assertEquals(artifact.path, join(fresh, "target", "release", artifact.name));
  }
  assertEquals(artifacts.wheels.get("flamepy"), {
    main: { name: "flamepy", path: join(fresh, "sdk", "python"), sha256: "", size: 0 },
    requirements: [],
  });
  assertEquals(await exists(join(fresh, "target")), false);
  assertEquals(events.filter((e) => e.type.startsWith("build-")), []);

  const { dir, cold } = await builtFixture();
  const planned = await build({ srcDir: dir, dryRun: true, wheels: SDK });
  assertEquals(planned.artifacts.files.get("flmadm"), cold.artifacts.files.get("flmadm"));
  // With this SDK's wheel in the cache, a dry run plans with it (so it shows no SDK change).
  assertEquals(planned.artifacts.wheels.get("flamepy"), cold.artifacts.wheels.get("flamepy"));
});

Deno.test("prepareArtifacts() fails a broken build with exit 2, the last lines and the full log", async () => {
  const dir = await fixtureCopy();
  const main = join(dir, "executor_manager", "src", "main.rs");
  await Deno.writeTextFile(
    main,
    (await Deno.readTextFile(main)) + '\nfn broken() -> u32 {\n    "not a number"\n}\n',
  );
  const events: RunEvent[] = [];
  const error = await failure({
    srcDir: dir,
    binaries: ["flame-executor-manager"],
    emit: (event) => events.push(event),
  });
  ok(error instanceof BuildError, String(error));
  assertEquals(error.exitCode, 2);
  ok(error.message.includes("error[E0308]: mismatched types"), error.message);
  ok(error.message.includes("could not compile `flame-executor-manager`"), error.message);
  const tail = error.message.split("\n").slice(1);
  ok(tail.length <= 20 && tail.length > 0, `${tail.length} lines`);
  ok(error.hint?.includes("--verbose"), error.hint);
  ok(error.hint?.includes(error.logFile!), error.hint);

  const log = await Deno.readTextFile(error.logFile!);
  ok(log.includes("Compiling common v0.1.0"), log);
  for (const line of tail) ok(log.includes(line), `the log lacks: ${line}`);
  assertEquals(of(events, "build-end").map((e) => e.ok), [false]);
  ok(of(events, "build-output").length >= tail.length);
});

Deno.test("prepareArtifacts() rejects a directory that is not a Cargo workspace with exit 1", async () => {
  const empty = await tempDir("empty");
  let error = await failure({ srcDir: empty });
  ok(error instanceof UsageError);
  assertEquals(error.message, `Not a Cargo workspace: ${empty} has no Cargo.toml`);

  await Deno.writeTextFile(join(empty, "Cargo.toml"), '[package]\nname = "x"\nversion = "0.1.0"\n');
  error = await failure({ srcDir: empty });
  ok(error instanceof UsageError);
  assertEquals(
    error.message,
    `Not a Cargo workspace: ${join(empty, "Cargo.toml")} has no [workspace] section`,
  );

  error = await failure({ srcDir: join(empty, "missing") });
  ok(error instanceof UsageError);
  assertEquals(error.message, `Source directory not found: ${join(empty, "missing")}`);
});

Deno.test("prepareArtifacts() names the binaries a workspace does not build, with exit 1", async () => {
  const dir = await fixtureCopy();
  const error = await failure({ srcDir: dir, binaries: ["flmctl", "flmnope"], dryRun: true });
  ok(error instanceof UsageError);
  ok(error.message.includes(`${dir} does not build flmnope (its binaries: `), error.message);
});

Deno.test("prepareArtifacts() fails with exit 1 when the SDK is needed and sdk/python is missing", async () => {
  const dir = await fixtureCopy();
  await Deno.remove(join(dir, "sdk"), { recursive: true });
  const error = await failure({ srcDir: dir, binaries: [], wheels: SDK, dryRun: true });
  ok(error instanceof UsageError);
  assertEquals(
    error.message,
    `The source has no Python project for flamepy: ${join(dir, "sdk", "python")} does not exist`,
  );
});

Deno.test("prepareArtifacts() clones srcRepo at srcRef and cleanup() removes the clone", async () => {
  const repo = await fixtureCopy();
  const git = ["-c", "user.name=muster", "-c", "user.email=muster@example.invalid"];
  await run("git", ["init", "-q", "-b", "release-1"], repo);
  await run("git", ["add", "-A"], repo);
  await run("git", [...git, "commit", "-q", "-m", "fixture"], repo);

  const events: RunEvent[] = [];
  const { artifacts } = await build({
    srcRepo: repo,
    srcRef: "release-1",
    dryRun: true,
    emit: (e) => events.push(e),
  });
  ok(artifacts.srcDir !== repo);
  ok(await exists(join(artifacts.srcDir, "Cargo.toml")));
  ok(await exists(join(artifacts.srcDir, ".git")));
  assertEquals(artifacts.files.size, ALL.length);
  ok(of(events, "message").some((e) => e.text === `Cloning ${repo} (release-1)`));
  await artifacts.cleanup();
  assertEquals(await exists(dirname(artifacts.srcDir)), false);
  await artifacts.cleanup();

  const error = await failure({ srcRepo: repo, srcRef: "no-such-branch", dryRun: true });
  ok(error instanceof UsageError);
  assertEquals(error.exitCode, 1);
  ok(
    error.message.startsWith(`Cannot clone ${repo} at no-such-branch: git exited with code 128:`),
    error.message,
  );
  ok(error.message.includes("no-such-branch not found"), error.message);
});

Deno.test("prepareArtifacts() stops the build when the signal aborts", async () => {
  const dir = await fixtureCopy();
  const controller = new AbortController();
  const events: RunEvent[] = [];
  await rejects(
    build({
      srcDir: dir,
      signal: controller.signal,
      emit: (event) => {
        events.push(event);
        if (event.type === "build-progress") controller.abort();
      },
    }),
    CancelledError,
  );
  assertEquals(of(events, "build-end").map((e) => e.ok), [false]);
});
