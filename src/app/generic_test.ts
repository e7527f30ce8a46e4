/**
 * The roles and the engine are generic: no file under src/ or roles/ names one of an app's
 * binaries, units, variables or config keys; those live in apps/. Doc comments and messages
 * may name Flame as the default app, the code may not.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { flame } from "./testing.ts";
import { loadApp } from "./load.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory && entry.name !== "testdata") yield* sources(path);
    else if (entry.isFile && entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) yield path;
  }
}

/** Code without comments (line and block) and without the testing helper's defaults. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
}

Deno.test("no file under src/ or roles/ names an app's binary, unit, variable or config key", async () => {
  const flowManager = await loadApp("flow-manager");
  const names = [
    ...flame.artifacts,
    ...flame.services.map((s) => s.name),
    ...Object.keys(flame.definition.vars).map((v) => flame.varName(v)),
    ...Object.keys(flowManager.definition.vars).map((v) => flowManager.varName(v)),
    "flame-cluster.yaml",
    "flmenv",
    "flamepy",
    "max_executors",
    "network_interface",
    "config.json",
    "kawaflow",
  ];
  const found: string[] = [];
  for (const dir of ["src", "roles"]) {
    for await (const path of sources(`${ROOT}${dir}`)) {
      if (path.endsWith("src/app/testing.ts")) continue;
      const text = code(await Deno.readTextFile(path));
      for (const name of names) if (text.includes(name)) found.push(`${path.slice(ROOT.length)}: ${name}`);
    }
  }
  assertEquals(found, []);
});
