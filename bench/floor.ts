/**
 * The floors (`floor/floor.sh`): a bare `ssh true` to every host, and the install by hand as
 * one `tar | ssh` stream plus a small root script per host.
 */
import { fileURLToPath } from "node:url";
import type { BenchContext } from "./context.ts";
import { type Timed, timed } from "./process.ts";
import { stageHost } from "./workload.ts";

const SCRIPT = fileURLToPath(new URL("floor/floor.sh", import.meta.url));

/** The floor scenarios. */
export type FloorCase = "ssh-true" | "tar-ssh";

/** Stages every host's files for the tar+ssh floor under `context.work/stage/ADDRESS`. */
export async function stageFloor(context: BenchContext): Promise<string> {
  const stage = `${context.work}/stage`;
  await Deno.remove(stage, { recursive: true }).catch(() => {});
  for (const host of context.fleet.hosts) {
    await stageHost(`${stage}/${host.address}`, host.address, context.source.binDir);
  }
  return stage;
}

/** Runs a floor on every host at once; throws when any host fails. */
export async function runFloor(kind: FloorCase, context: BenchContext, stage: string): Promise<Timed> {
  const { fleet } = context;
  const addresses = fleet.hosts.map((host) => host.address);
  const args = kind === "ssh-true"
    ? [SCRIPT, "true", fleet.keyFile, fleet.knownHostsFile, ...addresses]
    : [SCRIPT, "install", fleet.keyFile, fleet.knownHostsFile, stage, ...addresses];
  const result = await timed("bash", args);
  if (result.code !== 0) {
    throw new Error(`floor ${kind} failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}
