import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { Op } from "../../src/engine/change.ts";
import { runScript } from "../../src/engine/testing.ts";
import { createOps } from "./directories.ts";

/** Runs createOps' commands in a temp dir, logging each mkdir and chmod; returns the modes made and the commands. */
async function create(
  layout: [string, number][],
): Promise<{ modes: Record<string, string>; commands: string[] }> {
  const root = await Deno.makeTempDir({ prefix: "muster-dirs-" });
  try {
    const shims = `${root}/shims`;
    await Deno.mkdir(shims);
    for (const tool of ["mkdir", "chmod"]) {
      await Deno.writeTextFile(
        `${shims}/${tool}`,
        `#!/bin/sh\necho ${tool} >> ${shims}/log\nexec /bin/${tool} "$@"\n`,
        { mode: 0o755 },
      );
    }
    const ops = createOps(layout.map(([path, mode]) => ({ path: `${root}/${path}`, mode })));
    const script = ops.map((op: Op) => (op.kind === "sh" ? op.script : "")).join("\n");
    const result = await runScript(`set -e\numask 022\n${script}`, {
      PATH: `${shims}:${Deno.env.get("PATH")}`,
    });
    assertEquals(result.code, 0, result.stderr);
    const modes: Record<string, string> = {};
    for (const [path] of layout) {
      modes[path] = ((await Deno.stat(`${root}/${path}`)).mode! & 0o7777).toString(8);
    }
    const commands = (await Deno.readTextFile(`${shims}/log`)).trim().split("\n");
    return { modes, commands };
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("createOps() makes 0755 directories around a private 0700 one with one mkdir and one chmod", async () => {
  const made = await create([
    ["app", 0o755],
    ["app/bin", 0o755],
    ["app/data", 0o700],
    ["app/data/cache", 0o755],
    ["app/data/packages", 0o755],
  ]);
  assertEquals(made.modes, {
    app: "755",
    "app/bin": "755",
    "app/data": "700",
    "app/data/cache": "755",
    "app/data/packages": "755",
  });
  assertEquals(made.commands, ["mkdir", "chmod"]);
});

Deno.test("createOps() makes runs of one mode with one mkdir each where that is fewer commands", async () => {
  const same = await create([["app", 0o750], ["app/a", 0o750], ["app/a/b", 0o750]]);
  assertEquals(same.modes, { app: "750", "app/a": "750", "app/a/b": "750" });
  assertEquals(same.commands, ["mkdir"]);
  const two = await create([["app", 0o755], ["app/a", 0o755], ["app/private", 0o700], [
    "app/private/x",
    0o700,
  ]]);
  assertEquals(two.modes, { app: "755", "app/a": "755", "app/private": "700", "app/private/x": "700" });
  assertEquals(two.commands, ["mkdir", "mkdir"]);
});

Deno.test("createOps() never makes a directory its owner cannot make directories in, to chmod it later", async () => {
  // 0555 and 0755 have 0555 in common: a user could not make b in a 0555 a, so each run has its mkdir.
  const made = await create([["app", 0o755], ["app/a", 0o755], ["app/ro", 0o555], ["app/b", 0o755]]);
  assertEquals(made.modes, { app: "755", "app/a": "755", "app/ro": "555", "app/b": "755" });
  assertEquals(made.commands, ["mkdir", "mkdir", "mkdir"]);
});
