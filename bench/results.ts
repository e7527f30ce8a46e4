/** What one benchmark run measured, as plain data (rendered by `table.ts`). */
import type { MusterPhases } from "./phases.ts";
import type { Padding } from "./workload.ts";

/** Every measured scenario, in the table's order. */
export const SCENARIOS = [
  "floor-ssh-true",
  "floor-tar-ssh",
  "muster-fresh",
  "muster-noop",
  "muster-uninstall",
  "floor-worker",
  "muster-worker",
  "ansible-default-fresh",
  "ansible-default-noop",
  "ansible-tuned-fresh",
  "ansible-tuned-noop",
] as const;

/** One measured scenario. */
export type Scenario = typeof SCENARIOS[number];

/**
 * The muster install whose end state a fresh install's is compared with: the worker floor's
 * with muster's worker install (the same profiles), the others' with muster's fresh install;
 * undefined for those two, the references.
 */
export function referenceOf(scenario: Scenario): Scenario | undefined {
  if (scenario === "muster-fresh" || scenario === "muster-worker") return undefined;
  return scenario === "floor-worker" ? "muster-worker" : "muster-fresh";
}

/** One run of a scenario. */
export interface Sample {
  seconds: number;
  /** Peak RSS of the controller process in MB (kept for muster only). */
  peakRssMb?: number;
  /** CPU seconds (user + system) of the controller: the command and its child processes. */
  cpuSeconds?: number;
}

/** The machine and the software the numbers come from. */
export interface Machine {
  date: string;
  cpus: number;
  cpuModel: string;
  memoryGib: number;
  /** `/proc/loadavg`'s 1, 5 and 15 minute averages. */
  loadAtStart: [number, number, number];
  loadAtEnd?: [number, number, number];
  versions: Record<string, string>;
}

/** Everything the table shows. */
export interface BenchResults {
  machine: Machine;
  /** Fleet sizes, in order. */
  hosts: number[];
  /** The `--runs` asked for (cells with fewer runs say so). */
  runs: number;
  binaryBytes: number;
  /** What grew the binaries to that size (older results: random). */
  padding?: Padding;
  /** samples[scenario][hosts] */
  samples: Partial<Record<Scenario, Record<number, Sample[]>>>;
  /** Seconds `deno task muster --version` takes (median). */
  startupSeconds?: number;
  /**
   * Seconds the worker scenario's SDK took to build on the controller before it was measured,
   * on the first fleet size: the wheel, and muster's `pip --target` tarball of it (once per
   * SDK version, then cached).
   */
  sdkBuildSeconds?: number;
  /** Per fleet size: where muster's time goes (`phases.ts`). */
  phases: Record<number, MusterPhases>;
  /** How the end state of each fresh install compares with muster's, by scenario: [] = the same. */
  equivalence: Partial<Record<Scenario, string[]>>;
  /** What failed (a fleet size whose measurement broke off, a phase run). */
  errors: string[];
  /** Wall time of the whole benchmark, seconds. */
  totalSeconds?: number;
}

/** Adds a sample. */
export function addSample(results: BenchResults, scenario: Scenario, hosts: number, sample: Sample): void {
  const byHosts = results.samples[scenario] ??= {};
  (byHosts[hosts] ??= []).push(sample);
}
