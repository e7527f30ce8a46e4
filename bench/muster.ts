import { musterEnv } from "../tests/e2e/muster.ts";
/**
 * muster, run as a user runs it (`deno task muster ...`: a process of its own, with the task's flags), against
 * the benchmark fleet; every run is checked against its JSON report.
 */
import { fileURLToPath } from "node:url";
import type { RunReport } from "../src/engine/result.ts";
import type { BenchContext } from "./context.ts";
import { type Timed, timed } from "./process.ts";

const MOD = fileURLToPath(new URL("../mod.ts", import.meta.url));
const DENO_JSON = fileURLToPath(new URL("../deno.json", import.meta.url));

/**
 * Deno's arguments for running muster as `deno task muster` runs it (the task's flags,
 * such as its V8 flags, with mod.ts's absolute path), so the benchmark measures what
 * users run.
 */
export const MUSTER_RUN: string[] = musterRunArgs(JSON.parse(Deno.readTextFileSync(DENO_JSON)).tasks.muster);

/** `deno run FLAGS mod.ts` (a deno.json task) as Deno's arguments. */
export function musterRunArgs(task: string): string[] {
  const [deno, ...args] = task.trim().split(/\s+/);
  if (deno !== "deno" || args[0] !== "run" || args.at(-1) !== "mod.ts") {
    throw new Error(`deno.json's muster task is not 'deno run ... mod.ts': ${task}`);
  }
  return [...args.slice(0, -1), MOD];
}

/** The muster scenarios: install on clean hosts, the same install again, uninstall. */
export type MusterCase = "fresh" | "noop" | "uninstall";

/** The command line of a scenario (after `deno task muster`). */
export function musterArgs(kind: MusterCase, context: BenchContext, reportFile: string): string[] {
  const common = ["-i", context.inventory, "--report", reportFile, ...(context.musterFlags ?? [])];
  if (kind === "uninstall") return ["uninstall", ...common, "--force", "--remove-user"];
  return ["install", ...common, "--src-dir", context.source.dir, "--skip-build"];
}

/**
 * Runs one scenario and measures its wall time and peak RSS. Host keys are checked against
 * the fleet's known_hosts (HOME is the fleet's home), as the floor and Ansible check them.
 * Throws when the run fails or does not do what the scenario means.
 */
export async function runMuster(kind: MusterCase, context: BenchContext): Promise<Timed> {
  const reportFile = `${context.work}/muster-report.json`;
  const result = await timed(Deno.execPath(), [...MUSTER_RUN, ...musterArgs(kind, context, reportFile)], {
    env: musterEnv(context.fleet.home),
    rss: true,
  });
  const report: RunReport | undefined = await Deno.readTextFile(reportFile).then(JSON.parse, () => undefined);
  await Deno.remove(reportFile).catch(() => {});
  const hosts = context.fleet.hosts.length;
  const summary = report?.summary;
  const expected = kind === "noop" ? { ok: hosts, changed: 0 } : { changed: hosts };
  const wrong = !summary || Object.entries(expected).some(([key, n]) => summary[key as "ok"] !== n);
  if (result.code !== 0 || wrong) {
    throw new Error(
      `muster ${kind} on ${hosts} hosts: exit ${result.code}, summary ${JSON.stringify(summary)}, ` +
        `expected ${JSON.stringify(expected)}\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

/** Seconds `deno task muster --version` takes (without the task runner): Deno's start and loading muster's modules. */
export async function musterStartup(home: string): Promise<number> {
  const result = await timed(Deno.execPath(), [...MUSTER_RUN, "--version"], { env: musterEnv(home) });
  if (result.code !== 0) throw new Error(`muster --version failed: ${result.stderr}`);
  return result.seconds;
}

export { musterEnv };

/** An untimed `install --dry-run`, so that the first measured run pays no one-time cost. */
export async function musterDryRun(context: BenchContext): Promise<void> {
  const reportFile = `${context.work}/dry-run-report.json`;
  const args = [...MUSTER_RUN, ...musterArgs("fresh", context, reportFile), "--dry-run"];
  const result = await timed(Deno.execPath(), args, { env: musterEnv(context.fleet.home) });
  await Deno.remove(reportFile).catch(() => {});
  if (result.code !== 0) {
    throw new Error(`muster install --dry-run failed:\n${result.stdout}\n${result.stderr}`);
  }
}
