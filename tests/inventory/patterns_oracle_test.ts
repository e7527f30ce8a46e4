/**
 * Compares `selectHosts` with Ansible's own pattern matching: for each pattern below,
 * `ansible -i SOURCE PATTERN --list-hosts` must list the same hosts in the same order.
 * `ansible` (Debian's ansible-core) must be installed: without it this test fails.
 */

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadInventory } from "../../src/inventory/load.ts";
import { selectHosts } from "../../src/inventory/patterns.ts";

const CORPUS = fileURLToPath(new URL("./corpus/", import.meta.url));

const CASES: [string, string[]][] = [
  ["guide_multiple_groups.yml", [
    "all",
    "webservers,bastion",
    "prod:&dbservers",
    "!east",
    "~(foo|one)\\.",
    "dbservers[-1]",
    "all[1:3]",
  ]],
  ["many_groups.ini", ["parent:!beta", "a*"]],
  ["guide_ranges.ini", ["www0[1:3].example.com", "stride[0:2]", "db-*"]],
];

const workDir = Deno.makeTempDirSync({ prefix: "muster-patterns-" });
Deno.writeTextFileSync(join(workDir, "ansible.cfg"), "");

async function ansibleHosts(source: string, pattern: string): Promise<string[]> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("ansible", {
      args: ["-i", source, pattern, "--list-hosts"],
      cwd: workDir,
      env: {
        ANSIBLE_CONFIG: join(workDir, "ansible.cfg"),
        ANSIBLE_NOCOLOR: "1",
        ANSIBLE_LOCALHOST_WARNING: "False",
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        "ansible is not installed: the pattern oracle needs Debian's ansible-core (apt-get install ansible-core)",
      );
    }
    throw error;
  }
  if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
  return new TextDecoder().decode(output.stdout).split("\n").slice(1).map((l) => l.trim()).filter((l) => l);
}

// Start the (slow) oracle runs now, three at a time, while the tests wait for them.
const runs = new Map<string, Promise<string[]>>();
const queue = CASES.flatMap(([entry, patterns]) => patterns.map((p) => [join(CORPUS, entry), p] as const));
let next = 0;
const worker = async () => {
  while (next < queue.length) {
    const [source, pattern] = queue[next++];
    const run = ansibleHosts(source, pattern);
    runs.set(`${source}\0${pattern}`, run);
    run.catch(() => {});
    await run.catch(() => {});
  }
};
const workers = Promise.all([worker(), worker(), worker()]);

for (const [entry, patterns] of CASES) {
  for (const pattern of patterns) {
    Deno.test(`selectHosts() matches ansible --list-hosts for '${pattern}' in ${entry}`, async () => {
      const source = join(CORPUS, entry);
      const inventory = await loadInventory([source]);
      while (!runs.has(`${source}\0${pattern}`)) await new Promise((r) => setTimeout(r, 10));
      const expected = await runs.get(`${source}\0${pattern}`)!;
      assertEquals(selectHosts(inventory, pattern).map((h) => h.name), expected);
    });
  }
}

Deno.test("pattern oracle runs are finished", async () => {
  await workers;
  Deno.removeSync(workDir, { recursive: true });
});
