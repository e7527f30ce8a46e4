/**
 * Compares muster's inventory loader with Ansible's own: for every entry of the corpus,
 * `ansible-inventory --list` must equal `listJson` written by `pythonJson` (byte for byte) and `--graph` must equal
 * `graph` (as text). A corpus entry is a file, or a directory passed as the inventory
 * source unless its `sources.txt` lists the sources (relative paths, or inline host lists).
 * `ansible-inventory` (Debian's ansible-core) must be installed: without it this test fails.
 */

import { strictEqual } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadInventory } from "../../src/inventory/load.ts";
import { pythonJson } from "../../src/inventory/python_json.ts";
import { graph, listJson } from "../../src/inventory/render.ts";

const CORPUS = fileURLToPath(new URL("./corpus/", import.meta.url));

interface Entry {
  name: string;
  sources: string[];
}

function corpus(): Entry[] {
  const entries: Entry[] = [];
  for (const e of Deno.readDirSync(CORPUS)) {
    const path = join(CORPUS, e.name);
    let sources = [path];
    if (e.isDirectory) {
      try {
        sources = Deno.readTextFileSync(join(path, "sources.txt")).split("\n").filter((l) => l.trim())
          .map((l) => l.includes(",") ? l : join(path, l));
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
    entries.push({ name: e.name, sources });
  }
  return entries.sort((a, b) => a.name < b.name ? -1 : 1);
}

const workDir = Deno.makeTempDirSync({ prefix: "muster-oracle-" });
Deno.writeTextFileSync(join(workDir, "ansible.cfg"), "");
const ENV = {
  ANSIBLE_CONFIG: join(workDir, "ansible.cfg"),
  ANSIBLE_LOCALHOST_WARNING: "False",
  ANSIBLE_INVENTORY_UNPARSED_WARNING: "False",
  ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED: "True",
  ANSIBLE_NOCOLOR: "1",
  ANSIBLE_FORCE_COLOR: "0",
};

let slots = Math.max(2, navigator.hardwareConcurrency + 1);
const waiting: (() => void)[] = [];
async function limited<T>(task: () => Promise<T>): Promise<T> {
  if (slots === 0) await new Promise<void>((resolve) => waiting.push(resolve));
  else slots--;
  try {
    return await task();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else slots++;
  }
}

async function ansibleInventory(sources: string[], action: string): Promise<string> {
  const args = [...sources.flatMap((s) => ["-i", s]), action];
  let output: Deno.CommandOutput;
  try {
    output = await limited(() =>
      new Deno.Command("ansible-inventory", {
        args,
        cwd: workDir,
        env: ENV,
        stdout: "piped",
        stderr: "piped",
      })
        .output()
    );
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        "ansible-inventory is not installed: the inventory oracle needs Debian's ansible-core " +
          "(apt-get install ansible-core, or scripts/setup.sh)",
      );
    }
    throw error;
  }
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  if (!output.success) throw new Error(`ansible-inventory ${args.join(" ")} failed:\n${stderr}`);
  // PyYAML warns about the keys a `<<` merge overrides; that is what merging means.
  const warnings = stderr.split("[WARNING]").slice(1).filter((w) =>
    !w.replace(/\s+/g, " ").includes("found a duplicate dict key")
  );
  if (warnings.length > 0) {
    throw new Error(`ansible-inventory warned, so the corpus entry is not a clean comparison:\n${stderr}`);
  }
  return stdout;
}

const entries = corpus();
// Start every oracle run now; they run a few at a time while the tests wait for them.
const oracle = new Map(entries.map((e) => [e.name, {
  list: ansibleInventory(e.sources, "--list"),
  graph: ansibleInventory(e.sources, "--graph"),
}]));
for (const runs of oracle.values()) {
  runs.list.catch(() => {});
  runs.graph.catch(() => {});
}

Deno.test("the inventory corpus has at least 25 entries", () => {
  strictEqual(entries.length >= 25, true, `only ${entries.length} entries`);
});

for (const entry of entries) {
  Deno.test(`loadInventory() reads corpus entry ${entry.name} as ansible-inventory does`, async () => {
    const inventory = await loadInventory(entry.sources);
    const runs = oracle.get(entry.name)!;
    strictEqual(pythonJson(listJson(inventory)).text + "\n", await runs.list, "--list differs (as text)");
    strictEqual(graph(inventory), (await runs.graph).replace(/\n$/, ""), "--graph differs");
  });
}

globalThis.addEventListener("unload", () => Deno.removeSync(workDir, { recursive: true }));
