/**
 * The benchmark's pure parts and its files, checked without a fleet and without timing
 * anything: options, statistics, the table, Ansible's recap, the playbook and the floor script.
 */
import { deepStrictEqual as assertEquals, match, ok, throws } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { parseRecap, tunedForks } from "./ansible.ts";
import { fingerprintDiff } from "./hosts.ts";
import { MUSTER_RUN, musterRunArgs } from "./muster.ts";
import { ansibleRunsOf, parseOptions } from "./options.ts";
import { type PhaseTimes, phaseTimes, threadSpent, threadTimes } from "./phases.ts";
import { type BenchResults, referenceOf } from "./results.ts";
import { median } from "./stats.ts";
import { ratio, renderTable, timeCell } from "./table.ts";
import { BINARIES, noise, SDK, stageHost, WORKER_BINARIES, WORKER_PROFILES } from "./workload.ts";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

Deno.test("parseOptions() has the issue's defaults and reads every flag", () => {
  const defaults = parseOptions([])!;
  assertEquals(defaults.hosts, [1, 10, 30]);
  assertEquals(defaults.runs, 3);
  assertEquals(defaults.ansible, ["default", "tuned"]);
  assertEquals(defaults.binaryMib, 8);
  assertEquals(ansibleRunsOf(defaults), 3, "medians of 3 for Ansible too, as the issue asks");
  const options = parseOptions([
    "--hosts",
    "1,10",
    "--runs",
    "5",
    "--ansible-runs",
    "2",
    "--ansible",
    "tuned",
    "--no-phases",
    "--out",
    "x.md",
  ])!;
  assertEquals([options.hosts, options.runs, options.ansible, options.phases, options.out], [
    [1, 10],
    5,
    ["tuned"],
    false,
    "x.md",
  ]);
  assertEquals(ansibleRunsOf(options), 2);
  assertEquals(parseOptions(["--ansible", "none"])!.ansible, []);
  assertEquals([defaults.ansibleMaxHosts, parseOptions(["--ansible-max-hosts", "10"])!.ansibleMaxHosts], [
    30,
    10,
  ]);
  assertEquals([defaults.padding, parseOptions(["--padding", "random"])!.padding], ["realistic", "random"]);
  throws(() => parseOptions(["--padding", "zeros"]), /--padding: expected realistic or random/);
  assertEquals(defaults.musterFlags, []);
  assertEquals(parseOptions(["--muster-flags", " --events /tmp/e  --html x"])!.musterFlags, [
    "--events",
    "/tmp/e",
    "--html",
    "x",
  ]);
  assertEquals(parseOptions(["--help"]), undefined);
});

Deno.test("parseOptions() starts a fleet too large for 127.0.0.101 lower, unless told where", () => {
  assertEquals(parseOptions(["--hosts", "30,100"])?.firstOctet, 101);
  assertEquals(parseOptions(["--hosts", "30,100,200"])?.firstOctet, 55);
  assertEquals(parseOptions(["--hosts", "253"])?.firstOctet, 2);
  assertEquals(parseOptions(["--hosts", "200", "--first-octet", "40"])?.firstOctet, 40);
  throws(() => parseOptions(["--hosts", "254"]), /no room for 254 hosts/);
});

Deno.test("parseOptions() measures the worker scenario unless told --no-worker", () => {
  assertEquals(parseOptions([])!.worker, true);
  assertEquals(parseOptions(["--no-worker"])!.worker, false);
});

Deno.test("parseOptions() rejects bad values with the flag's name", () => {
  throws(() => parseOptions(["--runs", "0"]), /--runs: expected a whole number >= 1/);
  throws(() => parseOptions(["--hosts", "1,x"]), /--hosts/);
  throws(() => parseOptions(["--ansible", "fast"]), /--ansible: expected default, tuned or none/);
  throws(() => parseOptions(["--first-octet", "240", "--hosts", "30"]), /no room for 30 hosts/);
  throws(() => parseOptions(["--bogus"]));
});

Deno.test("median() takes the middle value, or the mean of the two middle ones", () => {
  assertEquals(median([3, 1, 2]), 2);
  assertEquals(median([4, 1, 3, 2]), 2.5);
  ok(Number.isNaN(median([])));
});

Deno.test("timeCell() shows the median, the range and a run count that differs", () => {
  assertEquals(timeCell([{ seconds: 1 }, { seconds: 3 }, { seconds: 2 }], 3), "2.00 (1.00–3.00)");
  assertEquals(timeCell([{ seconds: 41.23 }], 3), "41.2 (1 run)");
  assertEquals(timeCell(undefined, 3), "–");
});

/** The machine of the rendered tables. */
const MACHINE: BenchResults["machine"] = {
  date: "2026-01-01T00:00:00Z",
  cpus: 2,
  cpuModel: "Test CPU",
  memoryGib: 8,
  loadAtStart: [1, 2, 3],
  versions: {},
};

Deno.test("renderTable() shows times, ratios, RSS, targets and equivalence", () => {
  const results: BenchResults = {
    machine: { ...MACHINE, loadAtEnd: [1.5, 2, 3], versions: { Deno: "2.9.6" } },
    hosts: [1, 30],
    runs: 3,
    binaryBytes: 8 * 2 ** 20,
    samples: {
      "floor-ssh-true": { 30: [{ seconds: 1 }] },
      "floor-tar-ssh": { 30: [{ seconds: 10 }] },
      "muster-fresh": { 30: [{ seconds: 12, peakRssMb: 150 }] },
      "muster-noop": { 30: [{ seconds: 4, peakRssMb: 120 }] },
      "ansible-tuned-fresh": { 30: [{ seconds: 200 }] },
    },
    phases: {},
    equivalence: { "floor-tar-ssh": [], "ansible-tuned-fresh": ["- a", "+ b"] },
    errors: ["10 hosts: muster fresh on 10 hosts: exit 3\nmore"],
  };
  assertEquals(ratio(results, "muster-fresh", "floor-tar-ssh", 30), 1.2);
  assertEquals(ratio(results, "muster-fresh", "floor-tar-ssh", 1), undefined);
  const table = renderTable(results);
  match(table, /load average \(1\/5\/15 min\) at start 1\.00 \/ 2\.00 \/ 3\.00/);
  match(table, /\| \*\*muster install\*\*, fresh \| – \| 12\.0 \(1 run\) \|/);
  match(table, /\| muster fresh \/ `tar \\\| ssh` floor \| – \| 1\.20× \|/);
  match(table, /\*\*met\*\*: 30 hosts: fresh install at most 1\.25× the `tar \| ssh` floor: 1\.20×/);
  match(table, /- not measured: 1 hosts: fresh install at most 1\.25×/);
  match(table, /\*\*met\*\*: 30 hosts: tuned Ansible at least 15× slower than muster fresh: 16\.67×/);
  match(table, /\*\*NOT met\*\*: 30 hosts: no-op rerun at most 1\.5× the `ssh true` floor: 4\.00×/);
  match(table, /\*\*met\*\*: 30 hosts: controller peak RSS at most 200 MB: 150\.00 MB/);
  match(table, /floor: `tar \\\| ssh` \+ `sh` install, all hosts at once: identical/);
  match(table, /Ansible, tuned, fresh: differs/);
  match(table, /## Errors\n\n- 10 hosts: muster fresh on 10 hosts: exit 3\n/);
});

Deno.test("referenceOf() compares the worker floor with muster's worker install, the rest with muster fresh", () => {
  assertEquals(referenceOf("floor-worker"), "muster-worker");
  assertEquals(referenceOf("floor-tar-ssh"), "muster-fresh");
  assertEquals(referenceOf("ansible-tuned-fresh"), "muster-fresh");
  assertEquals(referenceOf("muster-fresh"), undefined);
  assertEquals(referenceOf("muster-worker"), undefined);
});

Deno.test("renderTable() shows the worker rows, their ratios, target and end state only when measured", () => {
  const results: BenchResults = {
    machine: MACHINE,
    hosts: [10],
    runs: 1,
    binaryBytes: 8 * 2 ** 20,
    samples: {
      "floor-tar-ssh": { 10: [{ seconds: 2 }] },
      "muster-fresh": { 10: [{ seconds: 3, peakRssMb: 150 }] },
      "floor-worker": { 10: [{ seconds: 5 }] },
      "muster-worker": { 10: [{ seconds: 4, peakRssMb: 210 }] },
    },
    sdkBuildSeconds: 0.75,
    phases: {},
    equivalence: { "floor-worker": ["- a"] },
    errors: [],
  };
  const table = renderTable(results);
  match(
    table,
    /\| worker floor: `tar \\\| ssh` \+ `sh` \+ `pip install` of the SDK on every host \| 5\.00 \|/,
  );
  match(table, /\| \*\*muster install\*\*, fresh, worker [^|]* \| 4\.00 \|/);
  match(table, /\| muster worker \/ worker floor \(pip on every host\) \| 0\.80× \|/);
  match(table, /\| worker floor \/ `tar \\\| ssh` floor \(what pip on every host adds\) \| 2\.50× \|/);
  match(table, /\| muster worker \/ muster fresh \(what the SDK adds\) \| 1\.33× \|/);
  match(table, /built before the measurement \(0\.75 s on the first fleet size\)/);
  match(
    table,
    /\*\*met\*\*: 10 hosts: worker install faster than the floor that runs pip on every host: 0\.80×/,
  );
  match(table, /\*\*NOT met\*\*: 10 hosts: controller peak RSS at most 200 MB: 210\.00 MB/);
  match(table, /## muster's peak RSS[^#]*\| \*\*muster install\*\*, fresh, worker [^|]* \| 210 \|/);
  match(table, /the worker floor's with muster's worker install\):\n\n- worker floor: [^\n]*: differs/);

  const without = renderTable({
    ...results,
    samples: { "muster-fresh": results.samples["muster-fresh"] },
    equivalence: { "floor-tar-ssh": [] },
  });
  ok(!without.includes("worker"), "no worker rows, paragraph or target without worker samples");
});

Deno.test("stageHost() stages the worker profiles' binaries, units and the SDK's wheel", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bench-stage-" });
  try {
    await Deno.mkdir(`${dir}/bin`);
    for (const name of WORKER_BINARIES) await Deno.writeTextFile(`${dir}/bin/${name}`, name);
    await Deno.writeTextFile(`${dir}/flamepy-0.1.0-py3-none-any.whl`, "wheel");
    await stageHost(`${dir}/root`, "127.0.0.1", `${dir}/bin`, {
      profiles: WORKER_PROFILES,
      wheel: `${dir}/flamepy-0.1.0-py3-none-any.whl`,
    });
    const names = (path: string) => [...Deno.readDirSync(path)].map((entry) => entry.name).sort();
    assertEquals(names(`${dir}/root/usr/local/flame/bin`), [...WORKER_BINARIES].sort());
    assertEquals(names(`${dir}/root/etc/systemd/system`), [
      "flame-executor-manager.service",
      "flame-object-cache.service",
    ]);
    const wheel = await Deno.stat(
      `${dir}/root/usr/local/flame/${SDK.wheels_dir}/flamepy-0.1.0-py3-none-any.whl`,
    );
    assertEquals(wheel.mode! & 0o777, 0o644);
    assertEquals((await Deno.stat(`${dir}/root/usr/local/flame/${SDK.wheels_dir}`)).mode! & 0o777, 0o755);
    assertEquals(
      await names(`${dir}/root/usr/local/flame/${SDK.dir}`),
      [],
      "pip fills sdk/python on the host",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseRecap() reads each host's counts from the PLAY RECAP", () => {
  const recap = parseRecap(
    "PLAY RECAP *****\n" +
      "host1                      : ok=9    changed=8    unreachable=0    failed=0    skipped=0\n" +
      "host10                     : ok=1    changed=0    unreachable=1    failed=0    skipped=0\n",
  );
  assertEquals(recap.get("host1"), { ok: 9, changed: 8, unreachable: 0, failed: 0 });
  assertEquals(recap.get("host10")?.unreachable, 1);
  assertEquals(tunedForks(1), 10);
  assertEquals(tunedForks(30), 30);
});

Deno.test("phaseTimes() sums each host's phases and tells the script's steps apart", () => {
  const result = {
    name: "h1",
    address: "a",
    status: "changed" as const,
    exitCode: 0,
    durationMs: 0,
    steps: [],
  };
  const times = phaseTimes(
    [
      { at: 1000, event: { type: "host-start", host: "h1" } },
      { at: 1000, event: { type: "host-phase", host: "h1", phase: "connect" } },
      { at: 1200, event: { type: "host-phase", host: "h1", phase: "apply" } },
      { at: 1300, event: { type: "host-phase", host: "h1", phase: "apply", role: "install", step: "a" } },
      { at: 1400, event: { type: "host-phase", host: "h1", phase: "apply", role: "install", step: "b" } },
      { at: 1600, event: { type: "host-end", result } },
    ],
    500,
    1.5,
  );
  assertEquals(times.prepareSeconds, 0.5);
  assertEquals(times.afterSeconds?.toFixed(3), "0.400");
  assertEquals(times.lastStartSeconds, 0);
  assertEquals(
    times.phases.map((p) => [p.phase, Math.round(p.medianSeconds * 1000)]),
    [["connect", 200], ["apply", 100], ["apply (script)", 300]],
  );
});

Deno.test("threadTimes() counts a busy thread's time on a CPU and waiting for one", () => {
  const before = threadTimes();
  if (!before) return; // no /proc/thread-self/schedstat here
  const until = performance.now() + 200;
  while (performance.now() < until) { /* ready to run all along: on a CPU, or waiting for one */ }
  const spent = threadSpent(before, threadTimes())!;
  ok(spent.runSeconds > 0, `ran ${spent.runSeconds} s`);
  const ready = spent.runSeconds + spent.waitSeconds;
  ok(ready >= 0.19 && ready < 0.5, `on a CPU or waiting for ${ready} s of 0.2`);
  assertEquals(threadSpent(undefined, before), undefined);
});

Deno.test("renderTable() shows muster's thread on a CPU and waiting for one, per phase run", () => {
  const times = (thread?: PhaseTimes["thread"]): PhaseTimes => ({
    prepareSeconds: 0.1,
    phases: [{ phase: "connect", medianSeconds: 0.2, maxSeconds: 0.3 }],
    totalSeconds: 14,
    ...(thread ? { thread } : {}),
  });
  const results: BenchResults = {
    machine: { ...MACHINE, loadAtEnd: [1, 1, 1], versions: {} },
    hosts: [30],
    runs: 1,
    binaryBytes: 8 * 2 ** 20,
    samples: {},
    phases: {
      30: {
        fresh: times({ runSeconds: 4.84, waitSeconds: 7.53 }),
        noop: times(),
        uninstall: times(),
        transport: times({ runSeconds: 3, waitSeconds: 12.5 }),
      },
    },
    equivalence: {},
    errors: [],
  };
  const table = renderTable(results);
  match(table, /\| fresh: muster's thread on a CPU \/ ready, waiting for one \| 4\.84 \/ 7\.53 \|/);
  match(table, /\| no-op: muster's thread on a CPU \/ ready, waiting for one \| – \|/);
  match(table, /\| transport alone: muster's thread on a CPU \/ ready, waiting for one \| 3\.00 \/ 12\.5 \|/);
});

Deno.test("fingerprintDiff() lists only the lines that differ", () => {
  assertEquals(fingerprintDiff("a\nb\n", "b\na\n"), []);
  assertEquals(fingerprintDiff("a\nb\n", "a\nc\n"), ["- b", "+ c"]);
});

Deno.test("noise() is deterministic, seeded and fills the exact length", () => {
  assertEquals(noise(10, 7), noise(10, 7));
  ok(noise(64, 1).some((byte, i) => byte !== noise(64, 2)[i]));
  assertEquals(noise(13, 3).length, 13);
});

Deno.test("the playbook installs the same binaries and layout as the workload", async () => {
  const [play] = parse(await Deno.readTextFile(here("ansible/playbook.yml")));
  assertEquals(play.hosts, "all");
  assertEquals(play.gather_facts, false);
  assertEquals(play.vars.flame_binaries, BINARIES);
  assertEquals(play.vars.flame_layout.length, 13);
  for (const template of ["flmenv.sh.j2", "flame-cluster.yaml.j2", "flame.service.j2"]) {
    await Deno.stat(here(`ansible/templates/${template}`));
  }
});

Deno.test("floor.sh is valid bash and explains its usage", async () => {
  const syntax = await new Deno.Command("bash", { args: ["-n", here("floor/floor.sh")] }).output();
  assertEquals(syntax.code, 0, new TextDecoder().decode(syntax.stderr));
  const usage = await new Deno.Command("bash", { args: [here("floor/floor.sh"), "bogus", "k", "h"] })
    .output();
  assertEquals(usage.code, 2);
  match(new TextDecoder().decode(usage.stderr), /usage: floor\.sh true\|install/);
});

Deno.test("the benchmark runs muster with the flags of deno.json's muster task", () => {
  const mod = fileURLToPath(new URL("../mod.ts", import.meta.url));
  assertEquals(musterRunArgs("deno run -A --v8-flags=--x mod.ts"), ["run", "-A", "--v8-flags=--x", mod]);
  assertEquals(MUSTER_RUN.at(-1), mod);
  ok(MUSTER_RUN.includes("-A"));
  throws(() => musterRunArgs("bash scripts/muster.sh"), /not 'deno run \.\.\. mod\.ts'/);
});
