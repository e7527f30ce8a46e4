import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { flameSpec } from "../../src/app/testing.ts";
import { runScript } from "../../src/engine/testing.ts";
import {
  installedId,
  releaseId,
  releaseLabel,
  releaseShape,
  restoreScript,
  storeFact,
  storeScript,
} from "./store.ts";
import { rollbackTarget } from "./rollback.ts";

Deno.test("releaseId() is a short hash of the files' paths and sums, in any order", () => {
  const a = releaseId([{ path: "bin/a", sha256: "1" }, { path: "bin/b", sha256: "2" }]);
  assertEquals(a, releaseId([{ path: "bin/b", sha256: "2" }, { path: "bin/a", sha256: "1" }]));
  ok(/^[0-9a-f]{8}$/.test(a));
  ok(a !== releaseId([{ path: "bin/a", sha256: "1" }, { path: "bin/b", sha256: "3" }]));
  assertEquals(releaseLabel({ id: a, version: "0.7.0" }), `${a} (0.7.0)`);
  assertEquals(releaseLabel(undefined), "none");
});

Deno.test("rollbackTarget() picks the newest release not in place, or the one named by id, prefix or version", () => {
  const releases = [
    { id: "cccc3333", version: "0.8.0", stored: "3", files: [], dirs: [] },
    { id: "bbbb2222", version: "0.7.0", stored: "2", files: [], dirs: [] },
    { id: "aaaa1111", version: "0.6.0", stored: "1", files: [], dirs: [] },
  ];
  assertEquals(rollbackTarget(releases, "cccc3333")?.id, "bbbb2222");
  assertEquals(rollbackTarget(releases, "cccc3333", "0.6.0")?.id, "aaaa1111");
  assertEquals(rollbackTarget(releases, "cccc3333", "aaaa")?.id, "aaaa1111");
  assertEquals(rollbackTarget(releases, "cccc3333", "0.5.0"), undefined);
});

Deno.test("storeScript() links what is installed into the store; restoreScript() puts it back without copying", async () => {
  const prefix = await Deno.makeTempDir({ prefix: "muster-flame-" });
  try {
    const spec = flameSpec({ prefix, profiles: ["control-plane"] });
    const shape = releaseShape(spec);
    const write = async (text: string) => {
      await Deno.mkdir(`${prefix}/bin`, { recursive: true });
      await Deno.writeTextFile(`${prefix}/bin/flmctl.new`, text);
      await Deno.rename(`${prefix}/bin/flmctl.new`, `${prefix}/bin/flmctl`);
    };
    await write("v1");
    const fact = storeFact(prefix, shape);
    const gathered = await runScript(fact.command);
    const state = fact.parse(gathered.stdout, gathered.code);
    const id = installedId(state)!;
    const v1 = { id, version: "1", stored: "2026-01-01T00:00:00Z", files: ["bin/flmctl"], dirs: shape.dirs };
    assertEquals((await runScript(`set -e\n${storeScript(prefix, v1)}`)).code, 0);
    await write("v2");
    const restored = await runScript(`set -e\n${restoreScript(prefix, v1, shape)}`);
    assertEquals(restored.code, 0, restored.stderr);
    assertEquals(await Deno.readTextFile(`${prefix}/bin/flmctl`), "v1");
    const live = await Deno.stat(`${prefix}/bin/flmctl`);
    const kept = await Deno.stat(`${prefix}/.releases/${id}/bin/flmctl`);
    assertEquals(live.ino, kept.ino);
    // Restoring what is in place already changes nothing (the files are the store's own).
    assertEquals((await runScript(`set -e\n${restoreScript(prefix, v1, shape)}`)).code, 0);
    const again = await runScript(fact.command);
    const after = fact.parse(again.stdout, again.code);
    assertEquals([after.current, after.releases.map((r) => r.id)], [id, [id]]);
  } finally {
    await Deno.remove(prefix, { recursive: true });
  }
});

Deno.test("storeScript() links a directory's files with one ln, and copies them all where ln fails part way", async () => {
  const prefix = await Deno.makeTempDir({ prefix: "muster-flame-" });
  try {
    await Deno.mkdir(`${prefix}/bin`, { recursive: true });
    await Deno.writeTextFile(`${prefix}/bin/flmctl`, "ctl");
    await Deno.writeTextFile(`${prefix}/bin/flmadm`, "adm");
    await Deno.writeTextFile(`${prefix}/top`, "top");
    const release = (id: string) => ({
      id,
      version: "1",
      stored: "2026-01-01T00:00:00Z",
      files: ["bin/flmctl", "bin/flmadm", "top"],
      dirs: [],
    });
    const script = storeScript(prefix, release("aaaa1111"));
    assertEquals(script.split("\n").filter((line) => line.includes("ln --")).length, 2);
    assertEquals((await runScript(`set -e\n${script}`)).code, 0);
    for (const path of ["bin/flmctl", "bin/flmadm", "top"]) {
      const kept = await Deno.stat(`${prefix}/.releases/aaaa1111/${path}`);
      assertEquals(kept.ino, (await Deno.stat(`${prefix}/${path}`)).ino, path);
    }
    // An ln that links the first file and then fails (as across filesystems): every file is copied.
    const shims = `${prefix}/shims`;
    await Deno.mkdir(shims);
    await Deno.writeTextFile(
      `${shims}/ln`,
      '#!/bin/sh\n[ "$1" = -- ] && shift\nlast=$(eval echo \\${$#})\n/bin/ln -- "$1" "$last" && exit 1\n',
      { mode: 0o755 },
    );
    const copied = await runScript(`set -e\n${storeScript(prefix, release("bbbb2222"))}`, {
      PATH: `${shims}:${Deno.env.get("PATH")}`,
    });
    assertEquals(copied.code, 0, copied.stderr);
    for (const path of ["bin/flmctl", "bin/flmadm", "top"]) {
      const kept = await Deno.stat(`${prefix}/.releases/bbbb2222/${path}`);
      ok(kept.ino !== (await Deno.stat(`${prefix}/${path}`)).ino, `${path} is a copy`);
      assertEquals(
        await Deno.readTextFile(`${prefix}/.releases/bbbb2222/${path}`),
        await Deno.readTextFile(`${prefix}/${path}`),
      );
    }
  } finally {
    await Deno.remove(prefix, { recursive: true });
  }
});

Deno.test("storeScript() keeps the store private, removes a partial release, and starts no rm when there is none", async () => {
  const prefix = await Deno.makeTempDir({ prefix: "muster-flame-" });
  try {
    await Deno.mkdir(`${prefix}/bin`, { recursive: true });
    await Deno.writeTextFile(`${prefix}/bin/flmctl`, "ctl");
    const release = {
      id: "aaaa1111",
      version: "1",
      stored: "2026-01-01T00:00:00Z",
      files: ["bin/flmctl"],
      dirs: [],
    };
    const shims = `${prefix}/shims`;
    await Deno.mkdir(shims);
    await Deno.writeTextFile(`${shims}/rm`, `#!/bin/sh\necho "$*" >> ${shims}/rm.log\nexec /bin/rm "$@"\n`, {
      mode: 0o755,
    });
    const env = { PATH: `${shims}:${Deno.env.get("PATH")}` };
    assertEquals((await runScript(`set -e\n${storeScript(prefix, release)}`, env)).code, 0);
    assertEquals(await Deno.stat(`${shims}/rm.log`).then(() => true, () => false), false, "no rm started");
    assertEquals((await Deno.stat(`${prefix}/.releases`)).mode! & 0o777, 0o700);
    assertEquals((await Deno.stat(`${prefix}/.releases/aaaa1111`)).mode! & 0o777, 0o700);
    // A partial store of the same release (a run cut short: no release.json) is not listed,
    // and is replaced whole by the next store.
    await Deno.remove(`${prefix}/.releases/aaaa1111/release.json`);
    await Deno.writeTextFile(`${prefix}/.releases/aaaa1111/bin/junk`, "half");
    const fact = storeFact(prefix, releaseShape(flameSpec({ prefix, profiles: ["control-plane"] })));
    const listed = await runScript(fact.command);
    assertEquals(fact.parse(listed.stdout, listed.code).releases, []);
    const again = await runScript(`set -e\n${storeScript(prefix, release)}`, env);
    assertEquals(again.code, 0, again.stderr);
    assertEquals(
      await Deno.stat(`${prefix}/.releases/aaaa1111/bin/junk`).then(() => true, () => false),
      false,
    );
    assertEquals(
      JSON.parse(await Deno.readTextFile(`${prefix}/.releases/aaaa1111/release.json`)).id,
      "aaaa1111",
    );
    assertEquals(await Deno.readTextFile(`${prefix}/.releases/aaaa1111/bin/flmctl`), "ctl");
  } finally {
    await Deno.remove(prefix, { recursive: true });
  }
});
