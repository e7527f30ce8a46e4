/**
 * The performance benchmark of issue 7: `deno task bench [--hosts 1,10,30] [--runs 3] ...`
 * (see `options.ts` and bench/README.md). On local test fleets of each size it measures,
 * side by side: the raw-SSH floors, muster (fresh install, no-op rerun, uninstall) and
 * Ansible (default and tuned settings) doing the same install, then the worker scenario (the
 * Python SDK: muster against pip on every host), checks that they all end in the same state,
 * and writes a Markdown table (bench/results/latest.md). Needs root.
 */
import { dirname } from "node:path";
import { startFleet } from "../tests/fleet/fleet.ts";
import { type AnsibleSettings, ansibleVersion, runAnsible } from "./ansible.ts";
import type { BenchContext } from "./context.ts";
import { runFloor, stageFloor } from "./floor.ts";
import { checkSdkImports, fingerprint, fingerprintDiff, resetHosts } from "./hosts.ts";
import { type MusterCase, musterDryRun, musterStartup, runMuster } from "./muster.ts";
import { musterPhases } from "./phases.ts";
import { ansibleRunsOf, type BenchOptions, parseOptions, USAGE } from "./options.ts";
import type { Timed } from "./process.ts";
import { addSample, type BenchResults, type Machine, referenceOf, type Scenario } from "./results.ts";
import { renderTable } from "./table.ts";
import { prepareWorker } from "./worker.ts";
import { growBinaries, hostVars, prepareSource, type Source, WORKER_BINARIES } from "./workload.ts";

if (import.meta.main) Deno.exit(await main(Deno.args));

/** Runs the benchmark; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  let options: BenchOptions | undefined;
  try {
    options = parseOptions(args);
  } catch (error) {
    if (!(error instanceof RangeError || error instanceof TypeError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (!options) {
    console.log(USAGE);
    return 0;
  }
  if (Deno.uid() !== 0) {
    console.error(
      "The benchmark needs root: its test fleet uses namespaces, overlays and chroot. Run it with your PATH " +
        'and Rust toolchain: sudo env PATH="$PATH" RUSTUP_HOME=~/.rustup CARGO_HOME=~/.cargo deno task bench',
    );
    return 1;
  }
  const cargo = await new Deno.Command("cargo", { args: ["--version"], stdout: "null", stderr: "null" })
    .output()
    .catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      return undefined;
    });
  if (!cargo?.success) {
    // sudo resets PATH, and rustup's cargo lives in the user's ~/.cargo/bin.
    console.error(
      `cargo cannot run here (PATH=${
        Deno.env.get("PATH")
      }): the benchmark builds Flame's fixture. As root, ` +
        'keep your PATH and toolchain: sudo env PATH="$PATH" RUSTUP_HOME=~/.rustup CARGO_HOME=~/.cargo deno task bench',
    );
    return 1;
  }
  const started = performance.now();
  const ansibleLine = options.ansible.length > 0 ? await ansibleVersion() : undefined;
  const ansible: AnsibleSettings[] = ansibleLine ? options.ansible : [];
  if (options.ansible.length > 0 && !ansibleLine) {
    log("ansible-playbook not found: Ansible is not measured (scripts/setup.sh installs ansible-core)");
  }
  const results: BenchResults = {
    machine: await machine(await softwareVersions(ansibleLine)),
    hosts: options.hosts,
    runs: options.runs,
    binaryBytes: options.binaryMib * 2 ** 20,
    padding: options.padding,
    samples: {},
    phases: {},
    equivalence: {},
    errors: [],
  };
  log(`load average at start: ${results.machine.loadAtStart.join(" ")}`);

  await Deno.mkdir("/var/tmp", { recursive: true });
  const work = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "muster-bench-" });
  const removeWork = () => {
    try {
      Deno.removeSync(work, { recursive: true });
    } catch {
      // Already gone.
    }
  };
  globalThis.addEventListener("unload", removeWork);
  try {
    log("building the Flame fixture and growing its binaries");
    const source = await prepareSource(`${work}/flame`, results.binaryBytes, options.padding);
    if (options.worker) await growBinaries(source, WORKER_BINARIES, options.padding);
    log(
      `built in ${
        source.buildSeconds.toFixed(1)
      } s; binaries of ${options.binaryMib} MiB (${options.padding} padding) in ${source.binDir}`,
    );
    results.startupSeconds = await musterStartupMedian(work, options.runs);
    for (const hosts of options.hosts) {
      try {
        await measureSize(hosts, { options, ansible, source, work, results });
      } catch (error) {
        // Keep what was measured, say what failed, and go on with the next size.
        results.errors.push(`${hosts} hosts: ${(error as Error).message}`);
        log(`[${hosts}] FAILED: ${(error as Error).message}`);
      }
      await writeResults(options.out, results);
    }
  } finally {
    removeWork();
    globalThis.removeEventListener("unload", removeWork);
  }
  results.machine.loadAtEnd = await loadAverage();
  results.totalSeconds = (performance.now() - started) / 1000;
  console.log(await writeResults(options.out, results));
  log(`written to ${options.out}`);
  return results.errors.length > 0 ? 1 : 0;
}

/** Writes the table (and the raw results as JSON beside it); returns the table. */
async function writeResults(out: string, results: BenchResults): Promise<string> {
  const table = renderTable(results);
  await Deno.mkdir(dirname(out), { recursive: true });
  await Deno.writeTextFile(out, table);
  await Deno.writeTextFile(out.replace(/\.md$/, "") + ".json", JSON.stringify(results, null, 2) + "\n");
  return table;
}

interface Run {
  options: BenchOptions;
  ansible: AnsibleSettings[];
  source: Source;
  work: string;
  results: BenchResults;
}

/** Every scenario on one fleet of `hosts` hosts. */
async function measureSize(hosts: number, run: Run): Promise<void> {
  const { options, results } = run;
  log(`[${hosts}] starting a fleet of ${hosts} host${hosts === 1 ? "" : "s"}`);
  await using fleet = await startFleet({ count: hosts, firstOctet: options.firstOctet });
  const inventory = await fleet.writeInventory({
    hostVars: Object.fromEntries(fleet.hosts.map((host) => [host.name, hostVars(host.address)])),
  });
  const context: BenchContext = {
    fleet,
    inventory,
    source: run.source,
    work: run.work,
    musterFlags: options.musterFlags,
  };
  const stage = await stageFloor(context);
  const first = fleet.hosts[0];
  const record = (scenario: Scenario, result: Timed, round: number, of: number) => {
    // Only muster's RSS is the controller's own; for the others it is one of many processes.
    const rss = scenario.startsWith("muster-") ? result.peakRssMb : undefined;
    addSample(results, scenario, hosts, {
      seconds: result.seconds,
      ...(rss === undefined ? {} : { peakRssMb: rss }),
      ...(result.cpuSeconds === undefined ? {} : { cpuSeconds: result.cpuSeconds }),
    });
    const cpu = result.cpuSeconds === undefined ? "" : `, CPU ${result.cpuSeconds.toFixed(2)} s`;
    const peak = rss === undefined ? "" : `, peak RSS ${rss.toFixed(0)} MB`;
    log(`[${hosts}] ${scenario} ${round + 1}/${of}: ${result.seconds.toFixed(2)} s${cpu}${peak}`);
  };
  const fingerprints = new Map<Scenario, string>();
  const takeFingerprint = async (scenario: Scenario) => {
    if (!fingerprints.has(scenario)) fingerprints.set(scenario, await fingerprint(first));
  };

  // Untimed warm-up: the hosts' sshd and page cache, Deno's module cache, muster's code paths.
  await runFloor("ssh-true", context, stage);
  await musterDryRun(context);

  for (let round = 0; round < options.runs; round++) {
    await resetHosts(fleet.hosts);
    record("floor-ssh-true", await runFloor("ssh-true", context, stage), round, options.runs);
    record("floor-tar-ssh", await runFloor("tar-ssh", context, stage), round, options.runs);
    await takeFingerprint("floor-tar-ssh");
    await resetHosts(fleet.hosts);
    const cases: [MusterCase, Scenario][] = [
      ["fresh", "muster-fresh"],
      ["noop", "muster-noop"],
      ["uninstall", "muster-uninstall"],
    ];
    for (const [kind, scenario] of cases) {
      record(scenario, await runMuster(kind, context), round, options.runs);
      if (kind === "fresh") await takeFingerprint(scenario);
    }
  }

  const ansibleRuns = ansibleRunsOf(options);
  const ansible = hosts <= options.ansibleMaxHosts ? run.ansible : [];
  for (let round = 0; round < ansibleRuns; round++) {
    for (const settings of ansible) {
      await resetHosts(fleet.hosts);
      const fresh = `ansible-${settings}-fresh` as const;
      record(fresh, await runAnsible(settings, "fresh", context), round, ansibleRuns);
      await takeFingerprint(fresh);
      record(`ansible-${settings}-noop`, await runAnsible(settings, "noop", context), round, ansibleRuns);
    }
  }

  if (options.worker) {
    try {
      await measureWorker(context, { runs: options.runs, record, takeFingerprint, results });
    } catch (error) {
      // The worker scenario is one more comparison: its failure is reported, the rest is kept.
      results.errors.push(`${hosts} hosts, worker scenario: ${(error as Error).message}`);
      log(`[${hosts}] worker scenario FAILED: ${(error as Error).message}`);
    }
  }

  // Checked on every fleet size; a difference found on any size is kept.
  for (const [scenario, print] of fingerprints) {
    const of = referenceOf(scenario);
    const reference = of && fingerprints.get(of);
    if (!reference || results.equivalence[scenario]?.length) continue;
    results.equivalence[scenario] = fingerprintDiff(reference, print);
  }

  if (options.phases) {
    try {
      await resetHosts(fleet.hosts);
      const phases = results.phases[hosts] = await musterPhases(context);
      const totals = Object.entries(phases).map(([kind, times]) =>
        `${kind} ${times.totalSeconds.toFixed(2)} s`
      );
      log(`[${hosts}] phases: ${totals.join(", ")}`);
    } catch (error) {
      // The phases only explain the table: their failure is reported, not fatal.
      results.errors.push(`${hosts} hosts, timing muster's phases: ${(error as Error).message}`);
      log(`[${hosts}] timing muster's phases FAILED: ${(error as Error).message}`);
    }
  }
  await resetHosts(fleet.hosts);
}

/** What `measureWorker()` shares with the rest of `measureSize()`. */
interface WorkerRun {
  runs: number;
  record: (scenario: Scenario, result: Timed, round: number, of: number) => void;
  takeFingerprint: (scenario: Scenario) => Promise<void>;
  results: BenchResults;
}

/**
 * The worker scenario on the fleet of `context`: hosts with the worker profiles, installed by
 * the floor (pip on every host) and by muster (fresh), each checked for the SDK importing as
 * the service user.
 */
async function measureWorker(context: BenchContext, run: WorkerRun): Promise<void> {
  const { fleet } = context;
  const hosts = fleet.hosts.length;
  const worker = await prepareWorker(context);
  run.results.sdkBuildSeconds ??= worker.buildSeconds;
  const built = worker.buildSeconds.toFixed(1);
  log(`[${hosts}] worker: the SDK's wheel and muster's tarball of it built in ${built} s (not measured)`);
  // Untimed warm-up, as for the main scenario: muster's worker code paths, the hosts' pip in the page cache.
  await musterDryRun(worker.context);
  const warm = await fleet.hosts[0].sh(
    "python3 -m pip --version && python3 -c 'import pip._internal.commands.install'",
  );
  if (warm.code !== 0) throw new Error(`pip does not run on ${fleet.hosts[0].name}: ${warm.stderr.trim()}`);
  for (let round = 0; round < run.runs; round++) {
    await resetHosts(fleet.hosts);
    run.record("floor-worker", await runFloor("worker", worker.context, worker.stage), round, run.runs);
    await run.takeFingerprint("floor-worker");
    await checkSdkImports(fleet.hosts);
    await resetHosts(fleet.hosts);
    run.record("muster-worker", await runMuster("fresh", worker.context), round, run.runs);
    await run.takeFingerprint("muster-worker");
    await checkSdkImports(fleet.hosts);
  }
}

async function musterStartupMedian(home: string, runs: number): Promise<number> {
  const times = [];
  for (let i = 0; i < Math.max(3, runs); i++) times.push(await musterStartup(home));
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

async function machine(versions: Record<string, string>): Promise<Machine> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const meminfo = await Deno.readTextFile("/proc/meminfo").catch(() => "");
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1].trim() ?? "unknown CPU";
  const memKb = Number(/^MemTotal:\s+(\d+) kB/m.exec(meminfo)?.[1] ?? 0);
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    cpus: navigator.hardwareConcurrency,
    cpuModel,
    memoryGib: memKb / 2 ** 20,
    loadAtStart: await loadAverage(),
    versions,
  };
}

async function loadAverage(): Promise<[number, number, number]> {
  const [one, five, fifteen] = (await Deno.readTextFile("/proc/loadavg")).split(" ").map(Number);
  return [one, five, fifteen];
}

/** Versions for the table's header. */
async function softwareVersions(ansible: string | undefined): Promise<Record<string, string>> {
  const capture = async (name: string, args: string[]) => {
    try {
      const output = await new Deno.Command(name, { args, stdin: "null" }).output();
      const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
      return output.success ? text.split("\n")[0].trim() : undefined;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
  };
  const commit = await capture("git", [
    "-C",
    new URL("..", import.meta.url).pathname,
    "rev-parse",
    "--short",
    "HEAD",
  ]);
  const ssh = await capture("ssh", ["-V"]);
  const versions: Record<string, string> = {
    muster: `at ${commit ?? "unknown commit"} (plus any uncommitted changes)`,
    Deno: Deno.version.deno,
    Linux: Deno.osRelease(),
  };
  if (ssh) versions.OpenSSH = ssh;
  if (ansible) versions["ansible-core"] = ansible.replace(/^ansible-playbook \[core (.+)\]$/, "$1");
  return versions;
}

function log(text: string): void {
  console.error(`bench: ${text}`);
}
