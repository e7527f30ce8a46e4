/**
 * The floors (`floor/floor.sh`): a bare `ssh true` to every host, and the install by hand as
 * one `tar | ssh` stream plus a small root script per host (for the worker scenario, a script
 * that also runs pip on the SDK's wheel).
 */
import { fileURLToPath } from "node:url";
import type { BenchContext } from "./context.ts";
import { type Timed, timed } from "./process.ts";
import { stageHost, type StageOptions } from "./workload.ts";

const SCRIPT = fileURLToPath(new URL("floor/floor.sh", import.meta.url));

/** The floor scenarios: `worker` is `tar-ssh` plus pip on every host, of a stage with the SDK's wheel. */
export type FloorCase = "ssh-true" | "tar-ssh" | "worker";

const MODES: Record<FloorCase, string> = { "ssh-true": "true", "tar-ssh": "install", worker: "install-pip" };

/**
 * Stages every host's files for a tar+ssh floor under `context.work/NAME/ADDRESS` (the profiles
 * and wheel of `options`); returns the stage directory.
 */
export async function stageFloor(
  context: BenchContext,
  options: StageOptions & { name?: string } = {},
): Promise<string> {
  const stage = `${context.work}/${options.name ?? "stage"}`;
  await Deno.remove(stage, { recursive: true }).catch(() => {});
  for (const host of context.fleet.hosts) {
    await stageHost(`${stage}/${host.address}`, host.address, context.source.binDir, options);
  }
  return stage;
}

/** Runs a floor on every host at once; throws when any host fails. */
export async function runFloor(kind: FloorCase, context: BenchContext, stage: string): Promise<Timed> {
  const { fleet } = context;
  const addresses = fleet.hosts.map((host) => host.address);
  const args = [
    SCRIPT,
    MODES[kind],
    fleet.keyFile,
    fleet.knownHostsFile,
    ...(kind === "ssh-true" ? [] : [stage]),
    ...addresses,
  ];
  const result = await timed("bash", args);
  if (result.code !== 0) {
    throw new Error(`floor ${kind} failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}
