/** The benchmark's command line (`deno task bench [options]`), parsed as a pure function of argv. */
import { parseArgs } from "node:util";
import type { Padding } from "./workload.ts";

/** What to measure, and how often. */
export interface BenchOptions {
  /** Fleet sizes, in order. @default [1, 10, 30] */
  hosts: number[];
  /** Runs of each muster and floor scenario per fleet size. @default 3 */
  runs: number;
  /** Runs of each Ansible scenario per fleet size; undefined: `runs` below 10 hosts, 1 from 10 hosts up. */
  ansibleRuns?: number;
  /** Which Ansible settings to measure. @default ["default", "tuned"] */
  ansible: ("default" | "tuned")[];
  /** Ansible is measured on fleets of at most this many hosts (it takes minutes beyond). @default 30 */
  ansibleMaxHosts: number;
  /** Size of each binary in MiB. @default 8 */
  binaryMib: number;
  /** What grows the binaries to that size. @default "realistic" */
  padding: Padding;
  /**
   * Last octet of the first host's address (hosts get 127.0.0.N, N+1, ...). @default 101, or
   * lower when the largest fleet needs it (200 hosts start at 55: 127.0.0.55-254)
   */
  firstOctet: number;
  /** Where the Markdown table goes. @default "bench/results/latest.md" */
  out: string;
  /** Also time muster's phases with one in-process run per fleet size. @default true */
  phases: boolean;
  /** Also measure the worker scenario (the Python SDK: muster against pip on every host). @default true */
  worker: boolean;
  /** Extra arguments of every measured muster run (`--events FILE`, ...). @default [] */
  musterFlags: string[];
}

/** Where fleets start unless the largest one needs more room below 127.0.0.255. */
const DEFAULT_FIRST_OCTET = 101;

/** Usage text for `--help`. */
export const USAGE = `Usage: deno task bench [options]

Measures muster (fresh install, no-op rerun, uninstall), the raw-SSH floors and Ansible on
the local test fleet, then the worker profile's install with the Python SDK (muster against a
floor that runs pip on every host), and writes a Markdown table (needs root, like the fleet).

  --hosts 1,10,30      fleet sizes (default 1,10,30; at most 245: 30,100,200 is the scale run)
  --runs N             runs of each muster and floor scenario (default 3)
  --ansible-runs N     runs of each Ansible scenario (default: --runs; 1 shortens the run by half)
  --ansible LIST       default,tuned | tuned | none (default default,tuned)
  --ansible-max-hosts N  measure Ansible only on fleets of at most N hosts (default 30)
  --binary-mib N       size of each binary in MiB (default 8, at least 1)
  --padding KIND       what grows them: realistic (compresses as release binaries do, to
                       about 47% with gzip) or random (incompressible); default realistic
  --first-octet N      hosts on 127.0.0.N and up (default 101, or 255 minus the largest fleet
                       when that is lower; the tests use 11-30 and more: see tests/fleet)
  --out FILE           Markdown output (default bench/results/latest.md)
  --no-phases          skip the in-process run that times muster's phases
  --no-worker          skip the worker scenario (the Python SDK: muster and the pip floor)
  --muster-flags="..." extra arguments of every muster run, split at spaces
                       (e.g. --muster-flags="--events /tmp/ev.jsonl --metrics-textfile /tmp/prom")
  -h, --help           this text
`;

/**
 * Parses the benchmark's arguments; throws a `RangeError` with a readable message on bad input,
 * and returns undefined for `--help`.
 *
 * @example
 * ```ts
 * import { parseOptions } from "./options.ts";
 * parseOptions(["--hosts", "1,10", "--runs", "5"])?.hosts; // [1, 10]
 * ```
 */
export function parseOptions(args: string[]): BenchOptions | undefined {
  const { values } = parseArgs({
    args,
    options: {
      hosts: { type: "string", default: "1,10,30" },
      runs: { type: "string", default: "3" },
      "ansible-runs": { type: "string" },
      ansible: { type: "string", default: "default,tuned" },
      "ansible-max-hosts": { type: "string", default: "30" },
      "binary-mib": { type: "string", default: "8" },
      padding: { type: "string", default: "realistic" },
      "first-octet": { type: "string" },
      out: { type: "string", default: "bench/results/latest.md" },
      "no-phases": { type: "boolean", default: false },
      "no-worker": { type: "boolean", default: false },
      "muster-flags": { type: "string", default: "" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return undefined;
  const hosts = values.hosts.split(",").map((text) => whole(text, "--hosts", 1));
  const largest = Math.max(...hosts);
  const firstOctet = values["first-octet"] === undefined
    ? Math.max(2, Math.min(DEFAULT_FIRST_OCTET, 255 - largest))
    : whole(values["first-octet"], "--first-octet", 2);
  if (firstOctet + largest - 1 > 254) {
    throw new RangeError(`--first-octet ${firstOctet} leaves no room for ${largest} hosts below 127.0.0.255`);
  }
  if (values.padding !== "realistic" && values.padding !== "random") {
    throw new RangeError(`--padding: expected realistic or random, got '${values.padding}'`);
  }
  const padding: Padding = values.padding;
  const ansible = values.ansible === "none" ? [] : values.ansible.split(",").map((name) => {
    if (name !== "default" && name !== "tuned") {
      throw new RangeError(`--ansible: expected default, tuned or none, got '${name}'`);
    }
    return name;
  });
  return {
    hosts,
    runs: whole(values.runs, "--runs", 1),
    ansibleRuns: values["ansible-runs"] === undefined
      ? undefined
      : whole(values["ansible-runs"], "--ansible-runs", 1),
    ansible: [...new Set(ansible)],
    ansibleMaxHosts: whole(values["ansible-max-hosts"], "--ansible-max-hosts", 1),
    binaryMib: whole(values["binary-mib"], "--binary-mib", 1),
    padding,
    firstOctet,
    out: values.out,
    phases: !values["no-phases"],
    worker: !values["no-worker"],
    musterFlags: values["muster-flags"].split(/\s+/).filter(Boolean),
  };
}

/** Runs of each Ansible scenario. */
export function ansibleRunsOf(options: BenchOptions): number {
  return options.ansibleRuns ?? options.runs;
}

function whole(text: string, flag: string, min: number): number {
  const n = Number(text.trim());
  if (!Number.isInteger(n) || n < min) {
    throw new RangeError(`${flag}: expected a whole number >= ${min}, got '${text}'`);
  }
  return n;
}
