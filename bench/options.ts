/** The benchmark's command line (`deno task bench [options]`), parsed as a pure function of argv. */
import { parseArgs } from "node:util";

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
  /** Size of each binary in MiB. @default 8 */
  binaryMib: number;
  /** Last octet of the first host's address (hosts get 127.0.0.N, N+1, ...). @default 101 */
  firstOctet: number;
  /** Where the Markdown table goes. @default "bench/results/latest.md" */
  out: string;
  /** Also time muster's phases with one in-process run per fleet size. @default true */
  phases: boolean;
  /** Extra arguments of every measured muster run (`--events FILE`, ...). @default [] */
  musterFlags: string[];
}

/** Usage text for `--help`. */
export const USAGE = `Usage: deno task bench [options]

Measures muster (fresh install, no-op rerun, uninstall), the raw-SSH floors and Ansible on
the local test fleet, and writes a Markdown table (needs root, like the fleet).

  --hosts 1,10,30      fleet sizes (default 1,10,30)
  --runs N             runs of each muster and floor scenario (default 3)
  --ansible-runs N     runs of each Ansible scenario (default: --runs; 1 shortens the run by half)
  --ansible LIST       default,tuned | tuned | none (default default,tuned)
  --binary-mib N       size of each binary in MiB (default 8, at least 1)
  --first-octet N      hosts on 127.0.0.N and up (default 101; keep clear of the tests' 11-60)
  --out FILE           Markdown output (default bench/results/latest.md)
  --no-phases          skip the in-process run that times muster's phases
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
      "binary-mib": { type: "string", default: "8" },
      "first-octet": { type: "string", default: "101" },
      out: { type: "string", default: "bench/results/latest.md" },
      "no-phases": { type: "boolean", default: false },
      "muster-flags": { type: "string", default: "" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return undefined;
  const hosts = values.hosts.split(",").map((text) => whole(text, "--hosts", 1));
  const firstOctet = whole(values["first-octet"], "--first-octet", 2);
  const largest = Math.max(...hosts);
  if (firstOctet + largest - 1 > 254) {
    throw new RangeError(`--first-octet ${firstOctet} leaves no room for ${largest} hosts below 127.0.0.255`);
  }
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
    binaryMib: whole(values["binary-mib"], "--binary-mib", 1),
    firstOctet,
    out: values.out,
    phases: !values["no-phases"],
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
