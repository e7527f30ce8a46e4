/**
 * What an upgrade and a rollback cost next to a fresh install (issue 13), on a local test
 * fleet, with the benchmark's workload (`workload.ts`: the profiles control-plane and cache,
 * four 8 MiB binaries, no services started):
 *
 * - fresh: `muster install` on clean hosts (it also stores the release: hard links);
 * - no-op: the same again;
 * - upgrade: every binary rebuilt (two bytes appended), `muster install` again: the four
 *   binaries uploaded, the replaced release kept (hard links), the new one stored;
 * - rollback: `muster rollback` to the previous release: relinked from the hosts' stores,
 *   nothing transferred.
 *
 * Each timed from process start to exit, as `deno task muster` runs it; medians of `--runs`.
 *
 * ```sh
 * deno run -A bench/upgrade.ts [--hosts 10] [--runs 3] [--first-octet 241]
 * ```
 */
import { parseArgs } from "node:util";
import { startFleet } from "../tests/fleet/fleet.ts";
import { resetHosts } from "./hosts.ts";
import { MUSTER_RUN, musterEnv } from "./muster.ts";
import { timed } from "./process.ts";
import { BINARIES, hostVars, prepareSource } from "./workload.ts";

const { values } = parseArgs({
  options: {
    hosts: { type: "string", default: "10" },
    runs: { type: "string", default: "3" },
    "first-octet": { type: "string", default: "241" },
  },
});
const hosts = Number(values.hosts);
const runs = Number(values.runs);

await Deno.mkdir("/var/tmp", { recursive: true });
const work = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "muster-bench-upgrade-" });
try {
  const source = await prepareSource(`${work}/src`, 8 * 1024 * 1024);
  await using fleet = await startFleet({ count: hosts, firstOctet: Number(values["first-octet"]) });
  const inventory = await fleet.writeInventory({
    hostVars: Object.fromEntries(fleet.hosts.map((host) => [host.name, hostVars(host.address)])),
  });
  const muster = async (args: string[]) => {
    const result = await timed(Deno.execPath(), [...MUSTER_RUN, ...args, "-i", inventory], {
      env: musterEnv(fleet.home),
      rss: true,
    });
    if (result.code !== 0) throw new Error(`muster ${args.join(" ")}: exit ${result.code}\n${result.stdout}`);
    return result;
  };
  const install = ["install", "--src-dir", source.dir, "--skip-build"];
  const samples: Record<string, number[]> = { fresh: [], noop: [], upgrade: [], rollback: [] };
  // One untimed dry run: the first measured run pays no one-time cost.
  await muster([...install, "--dry-run"]);
  for (let round = 0; round < runs; round++) {
    await resetHosts(fleet.hosts);
    samples.fresh.push((await muster(install)).seconds);
    samples.noop.push((await muster(install)).seconds);
    for (const name of BINARIES) {
      await Deno.writeFile(`${source.binDir}/${name}`, new Uint8Array([round, 1]), { append: true });
    }
    samples.upgrade.push((await muster(install)).seconds);
    samples.rollback.push((await muster(["rollback"])).seconds);
    console.error(
      `round ${round + 1}/${runs}: ${
        Object.entries(samples).map(([k, v]) => `${k} ${v.at(-1)!.toFixed(2)}s`).join(", ")
      }`,
    );
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
  console.log(`| Scenario (${hosts} hosts, 4 x 8 MiB binaries, medians of ${runs}) | time |`);
  console.log("| --- | ---: |");
  for (const [name, list] of Object.entries(samples)) {
    console.log(
      `| muster ${name} | ${median(list).toFixed(2)} s (${Math.min(...list).toFixed(2)}–${
        Math.max(...list).toFixed(2)
      }) |`,
    );
  }
  console.log(`\nload average at the end: ${load}`);
} finally {
  await Deno.remove(work, { recursive: true }).catch(() => {});
}
