/**
 * The worker scenario's inputs on one fleet (issue 14): hosts with the profiles
 * `WORKER_PROFILES` (binaries plus the Python SDK), the SDK's wheel built before anything is
 * measured (as cargo's binaries are), and the floor's stage holding that wheel for pip.
 */
import { dirname } from "node:path";
import { prepareArtifacts } from "../roles/build/mod.ts";
import { cacheDir } from "../roles/build/wheel_cache.ts";
import { loadApp } from "../src/app/load.ts";
import type { BenchContext } from "./context.ts";
import { stageFloor } from "./floor.ts";
import { musterEnv } from "./muster.ts";
import { hostVars, SDK, WORKER_PROFILES } from "./workload.ts";

const flame = await loadApp("flame");

/** What the worker scenario's runs need. */
export interface WorkerSetup {
  /** The fleet's context with an inventory of worker hosts. */
  context: BenchContext;
  /** The floor's stage (`stageFloor()`), with the wheel in each host's `sdk/wheels`. */
  stage: string;
  /** The SDK's wheel, in muster's wheel cache. */
  wheel: string;
  /** Seconds the wheel and muster's `pip --target` tarball of it took to build. */
  buildSeconds: number;
}

/**
 * Writes the worker inventory, builds the SDK's wheel and muster's tarball of it into the
 * wheel cache that muster's runs against this fleet read (HOME is the fleet's home), so that
 * no measured run builds them, and stages the floor with the same wheel.
 */
export async function prepareWorker(context: BenchContext): Promise<WorkerSetup> {
  const { fleet } = context;
  const inventory = await fleet.writeInventory({
    hostVars: Object.fromEntries(
      fleet.hosts.map((host) => [host.name, hostVars(host.address, WORKER_PROFILES)]),
    ),
  });
  const worker = { ...context, inventory };
  const started = performance.now();
  const wheel = await buildSdk(context);
  const buildSeconds = (performance.now() - started) / 1000;
  const stage = await stageFloor(worker, { name: "stage-worker", profiles: WORKER_PROFILES, wheel });
  return { context: worker, stage, wheel, buildSeconds };
}

/** Builds the SDK as muster's install does, into the cache of muster's runs; returns the wheel's path. */
async function buildSdk(context: BenchContext): Promise<string> {
  const env = { ...Deno.env.toObject(), ...musterEnv(context.fleet.home) };
  // The directory `prepareArtifacts()` keeps a wheel in, one per source digest, as muster's runs see it.
  const wheelCache = dirname(cacheDir("digest", { get: (key) => env[key] }));
  const artifacts = await prepareArtifacts({
    title: flame.title,
    srcDir: context.source.dir,
    srcRepo: "",
    srcRef: "",
    skipBuild: true,
    verbose: false,
    dryRun: false,
    binaries: [],
    wheels: (flame.definition.build.wheels ?? []).filter((wheel) => wheel.name === SDK.wheel),
    wheelCache,
    logDir: `${context.work}/logs`,
    emit: () => {},
  });
  try {
    const set = artifacts.wheels.get(SDK.wheel);
    if (!set?.prebuilt) {
      throw new Error(`muster made no pip --target tarball of ${SDK.wheel}: the scenario needs a pure wheel`);
    }
    return set.main.path;
  } finally {
    await artifacts.cleanup();
  }
}
