/**
 * Times `loadInventory` on a generated inventory of 10,000 hosts in 50 groups, with
 * group_vars/ for every group and host_vars/ for every host. Prints the median of 5 runs.
 *
 *     deno run -A bench/inventory_bench.ts
 */

import { join } from "node:path";
import { loadInventory } from "../src/inventory/load.ts";

const HOSTS = 10_000;
const GROUPS = 50;
const RUNS = 5;

async function generate(dir: string): Promise<string> {
  await Deno.mkdir(join(dir, "group_vars"));
  await Deno.mkdir(join(dir, "host_vars"));
  const perGroup = HOSTS / GROUPS;
  let yaml = "all:\n  vars:\n    flame_cluster_name: bench\n  children:\n";
  for (let g = 0; g < GROUPS; g++) {
    yaml += `    group${g}:\n      vars:\n        rack: r${g}\n      hosts:\n`;
    for (let h = 0; h < perGroup; h++) {
      yaml += `        host-${g}-${h}:\n          ansible_host: 10.${g}.${h >> 8}.${h & 255}\n`;
    }
    await Deno.writeTextFile(
      join(dir, "group_vars", `group${g}.yml`),
      `flame_profiles:\n  - worker\n  - cache\ngroup_id: ${g}\nflame_prefix: /opt/flame\n`,
    );
  }
  yaml += "    workers:\n      children:\n" +
    Array.from({ length: GROUPS }, (_, g) => `        group${g}:\n`).join("");
  const writes = [];
  for (let g = 0; g < GROUPS; g++) {
    for (let h = 0; h < perGroup; h++) {
      writes.push(Deno.writeTextFile(
        join(dir, "host_vars", `host-${g}-${h}.yml`),
        `host_id: ${g * perGroup + h}\nflame_enable: ${h % 2 === 0 ? "yes" : "no"}\n`,
      ));
      if (writes.length >= 256) await Promise.all(writes.splice(0));
    }
  }
  await Promise.all(writes);
  const file = join(dir, "hosts.yml");
  await Deno.writeTextFile(file, yaml);
  return file;
}

const dir = await Deno.makeTempDir({ prefix: "muster-inventory-bench-" });
try {
  const source = await generate(dir);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    const inventory = await loadInventory([source]);
    times.push(performance.now() - start);
    if (inventory.hosts.size !== HOSTS) {
      throw new Error(`Expected ${HOSTS} hosts, got ${inventory.hosts.size}`);
    }
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(RUNS / 2)];
  console.log(
    `loadInventory: ${HOSTS} hosts, ${GROUPS} groups, group_vars + host_vars: median ${
      median.toFixed(0)
    } ms ` +
      `of ${RUNS} (min ${times[0].toFixed(0)}, max ${times[RUNS - 1].toFixed(0)}; target < 1000 ms)`,
  );
} finally {
  await Deno.remove(dir, { recursive: true });
}
