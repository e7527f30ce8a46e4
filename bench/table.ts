/** Renders a benchmark run as Markdown: times, ratios, peak RSS, the issue's targets, phases. */
import type { MusterPhases } from "./phases.ts";
import type { BenchResults, Sample, Scenario } from "./results.ts";
import { median } from "./stats.ts";

const LABELS: Record<Scenario, string> = {
  "floor-ssh-true": "floor: `ssh host true`, all hosts at once",
  "floor-tar-ssh": "floor: `tar \\| ssh` + `sh` install, all hosts at once",
  "muster-fresh": "**muster install**, fresh",
  "muster-noop": "**muster install**, no-op rerun",
  "muster-uninstall": "**muster uninstall**",
  "floor-worker": "worker floor: `tar \\| ssh` + `sh` + `pip install` of the SDK on every host",
  "muster-worker": "**muster install**, fresh, worker (the SDK unpacked from one controller-side pip)",
  "ansible-default-fresh": "Ansible, default settings, fresh",
  "ansible-default-noop": "Ansible, default settings, no-op rerun",
  "ansible-tuned-fresh": "Ansible, tuned, fresh",
  "ansible-tuned-noop": "Ansible, tuned, no-op rerun",
};

const RATIOS: { label: string; of: Scenario; to: Scenario }[] = [
  { label: "muster fresh / `tar \\| ssh` floor", of: "muster-fresh", to: "floor-tar-ssh" },
  { label: "muster no-op / `ssh true` floor", of: "muster-noop", to: "floor-ssh-true" },
  { label: "muster worker / worker floor (pip on every host)", of: "muster-worker", to: "floor-worker" },
  {
    label: "worker floor / `tar \\| ssh` floor (what pip on every host adds)",
    of: "floor-worker",
    to: "floor-tar-ssh",
  },
  { label: "muster worker / muster fresh (what the SDK adds)", of: "muster-worker", to: "muster-fresh" },
  { label: "Ansible tuned fresh / muster fresh", of: "ansible-tuned-fresh", to: "muster-fresh" },
  { label: "Ansible tuned no-op / muster no-op", of: "ansible-tuned-noop", to: "muster-noop" },
  { label: "Ansible default fresh / muster fresh", of: "ansible-default-fresh", to: "muster-fresh" },
  { label: "Ansible default no-op / muster no-op", of: "ansible-default-noop", to: "muster-noop" },
];

/** The scenarios whose peak RSS is muster's own. */
const MUSTER_SCENARIOS = ["muster-fresh", "muster-noop", "muster-uninstall", "muster-worker"] as const;

/** The whole report. */
export function renderTable(results: BenchResults): string {
  const { machine, hosts } = results;
  const load = (l: number[]) => l.map((n) => n.toFixed(2)).join(" / ");
  const header = (first: string) =>
    `| ${first} | ${hosts.map((n) => `${n} host${n === 1 ? "" : "s"}`).join(" | ")} |\n` +
    `|---|${hosts.map(() => "---:").join("|")}|`;
  const lines = [
    "# muster benchmark",
    "",
    `${machine.date} · ${machine.cpus} CPUs (${machine.cpuModel}) · ${machine.memoryGib.toFixed(1)} GiB RAM`,
    `· load average (1/5/15 min) at start ${load(machine.loadAtStart)}` +
    (machine.loadAtEnd ? `, at end ${load(machine.loadAtEnd)}` : "") + " — a shared machine: compare " +
    "ratios within one run, not times across runs.",
    "",
    Object.entries(machine.versions).map(([name, version]) => `${name} ${version}`).join(" · "),
    "",
    `Workload on every host (the same for all three tools): the flame user, the 13 directories of the layout, ` +
    `4 binaries of ${
      (results.binaryBytes / 2 ** 20).toFixed(1)
    } MiB each (profiles control-plane + cache; padded with ${
      results.padding === "realistic" ? "bytes that compress as release binaries do" : "random bytes"
    }), ` +
    "`flmenv.sh`, `flame-cluster.yaml`, 2 systemd units + `daemon-reload`, then each binary runs `--version`. " +
    "Hosts: the local test fleet (`tests/fleet`), over SSH with sudo.",
    "",
    ...workerWorkload(results),
    `## Wall time, seconds: median (min–max) of ${results.runs} run${
      results.runs === 1 ? "" : "s"
    } unless marked`,
    "",
    header("Scenario"),
    ...(Object.keys(LABELS) as Scenario[])
      .filter((scenario) => results.samples[scenario])
      .map((scenario) =>
        `| ${LABELS[scenario]} | ${
          hosts.map((n) => timeCell(results.samples[scenario]?.[n], results.runs)).join(" | ")
        } |`
      ),
    "",
    "## Ratios (of medians)",
    "",
    header("Ratio"),
    ...RATIOS.filter((ratio) => results.samples[ratio.of] && results.samples[ratio.to]).map((ratio) =>
      `| ${ratio.label} | ${hosts.map((n) => ratioCell(results, ratio.of, ratio.to, n)).join(" | ")} |`
    ),
    "",
    "## Controller CPU time, seconds (user + system of the command and its children; median)",
    "",
    "The work done on the controller, the machine the tool runs on (sshd and the hosts' commands are not " +
    "counted, although on the local test fleet they share its CPUs).",
    "",
    header("Scenario"),
    ...(Object.keys(LABELS) as Scenario[])
      .filter((scenario) => results.samples[scenario])
      .map((scenario) =>
        `| ${LABELS[scenario]} | ${hosts.map((n) => cpuCell(results.samples[scenario]?.[n])).join(" | ")} |`
      ),
    "",
    "## muster's peak RSS, MB (the highest of the runs)",
    "",
    header("Scenario"),
    ...MUSTER_SCENARIOS.filter((scenario) => scenario !== "muster-worker" || results.samples[scenario])
      .map((scenario) =>
        `| ${LABELS[scenario]} | ${hosts.map((n) => rssCell(results.samples[scenario]?.[n])).join(" | ")} |`
      ),
    "",
    ...targets(results),
    ...equivalence(results),
    ...phases(results),
    ...errors(results),
  ];
  if (results.totalSeconds !== undefined) {
    lines.push(`Benchmark wall time: ${(results.totalSeconds / 60).toFixed(1)} min.`, "");
  }
  return lines.join("\n");
}

/** Seconds with two decimals below 10, one above. */
export function seconds(value: number): string {
  return Number.isNaN(value) ? "–" : value.toFixed(value < 10 ? 2 : 1);
}

/** A time cell: `median (min–max)`, with the run count when it differs from `runs`. */
export function timeCell(samples: Sample[] | undefined, runs: number): string {
  if (!samples || samples.length === 0) return "–";
  const values = samples.map((sample) => sample.seconds);
  const notes = [];
  if (values.length > 1) notes.push(`${seconds(Math.min(...values))}–${seconds(Math.max(...values))}`);
  if (values.length !== runs) notes.push(`${values.length} run${values.length === 1 ? "" : "s"}`);
  return `${seconds(median(values))}${notes.length ? ` (${notes.join(", ")})` : ""}`;
}

function medianOf(results: BenchResults, scenario: Scenario, hosts: number): number {
  return median((results.samples[scenario]?.[hosts] ?? []).map((sample) => sample.seconds));
}

/** `of / to` at a fleet size, from medians, or undefined when either is missing. */
export function ratio(results: BenchResults, of: Scenario, to: Scenario, hosts: number): number | undefined {
  const value = medianOf(results, of, hosts) / medianOf(results, to, hosts);
  return Number.isFinite(value) ? value : undefined;
}

function ratioCell(results: BenchResults, of: Scenario, to: Scenario, hosts: number): string {
  const value = ratio(results, of, to, hosts);
  return value === undefined ? "–" : `${value.toFixed(value < 10 ? 2 : 1)}×`;
}

function cpuCell(samples: Sample[] | undefined): string {
  const values = (samples ?? []).flatMap((sample) => sample.cpuSeconds ?? []);
  return values.length ? seconds(median(values)) : "–";
}

function peakRss(samples: Sample[] | undefined): number | undefined {
  const peaks = (samples ?? []).flatMap((sample) => sample.peakRssMb ?? []);
  return peaks.length ? Math.max(...peaks) : undefined;
}

function rssCell(samples: Sample[] | undefined): string {
  const peak = peakRss(samples);
  return peak === undefined ? "–" : peak.toFixed(0);
}

/**
 * Issue 14's targets: on every fleet size, the fresh install and the no-op rerun against
 * their floors (and the worker install against pip on every host); tuned Ansible where it
 * was measured; the controller's peak RSS on the largest fleet.
 */
function targets(results: BenchResults): string[] {
  const largest = Math.max(...results.hosts);
  const check = (label: string, value: number | undefined, ok: (v: number) => boolean, shown: string) =>
    value === undefined
      ? `- not measured: ${label}`
      : `- ${ok(value) ? "**met**" : "**NOT met**"}: ${label}: ${shown.replace("%", value.toFixed(2))}`;
  const worker = Boolean(results.samples["muster-worker"] || results.samples["floor-worker"]);
  const perSize = results.hosts.flatMap((n) => {
    const ansible = ratio(results, "ansible-tuned-fresh", "muster-fresh", n);
    return [
      check(
        `${n} hosts: fresh install at most 1.25× the \`tar | ssh\` floor`,
        ratio(results, "muster-fresh", "floor-tar-ssh", n),
        (v) => v <= 1.25,
        "%×",
      ),
      check(
        `${n} hosts: no-op rerun at most 1.5× the \`ssh true\` floor`,
        ratio(results, "muster-noop", "floor-ssh-true", n),
        (v) => v <= 1.5,
        "%×",
      ),
      ...(ansible === undefined ? [] : [
        check(
          `${n} hosts: tuned Ansible at least 15× slower than muster fresh`,
          ansible,
          (v) => v >= 15,
          "%×",
        ),
      ]),
      ...(worker
        ? [check(
          `${n} hosts: worker install faster than the floor that runs pip on every host`,
          ratio(results, "muster-worker", "floor-worker", n),
          (v) => v < 1,
          "%× the floor",
        )]
        : []),
    ];
  });
  const rss = peakRss(MUSTER_SCENARIOS.flatMap((s) => results.samples[s]?.[largest] ?? []));
  return [
    "## The issue's targets (issue 14)",
    "",
    ...perSize,
    check(`${largest} hosts: controller peak RSS at most 200 MB`, rss, (v) => v <= 200, "% MB"),
    "",
  ];
}

/** What the worker rows measure, when there are any. */
function workerWorkload(results: BenchResults): string[] {
  if (!results.samples["muster-worker"] && !results.samples["floor-worker"]) return [];
  const built = results.sdkBuildSeconds === undefined
    ? ""
    : ` (${seconds(results.sdkBuildSeconds)} s on the first fleet size)`;
  return [
    "Worker rows (issue 14): the same fleets with the profiles worker + cache: 4 binaries of the same size " +
    "(flame-executor-manager, flmping-service, flmexec-service, flame-object-cache), the same files, 2 units, " +
    "plus the Python SDK `flamepy` in `sdk/python` (its wheel kept in `sdk/wheels`), checked to import as the " +
    "flame user. The floor runs the host's pip (`--no-index --no-deps --no-compile --target`) on every host; " +
    "muster unpacks the `pip --target` tarball it made once on the controller. The wheel and that tarball are " +
    `built before the measurement${built}, as cargo's binaries are.`,
    "",
  ];
}

function equivalence(results: BenchResults): string[] {
  const entries = Object.entries(results.equivalence) as [Scenario, string[]][];
  if (entries.length === 0) return [];
  const lines = ["## Same end state", ""];
  lines.push(
    "After each tool's first fresh install on each fleet size, the first host's state (flame account, every path under the " +
      "prefix and the units with type, mode, owner and SHA-256) compared with muster's" +
      (results.equivalence["floor-worker"]
        ? " fresh install (the worker floor's with muster's worker install):"
        : ":"),
    "",
  );
  for (const [scenario, diff] of entries) {
    lines.push(
      `- ${LABELS[scenario]}: ${
        diff.length === 0 ? "identical" : `differs:\n\n  \`\`\`\n  ${diff.join("\n  ")}\n  \`\`\``
      }`,
    );
  }
  lines.push("");
  return lines;
}

function phases(results: BenchResults): string[] {
  const sizes = results.hosts.filter((n) => results.phases[n]);
  if (sizes.length === 0) return [];
  const groups: { kind: keyof MusterPhases; title: string }[] = [
    { kind: "fresh", title: "fresh" },
    { kind: "noop", title: "no-op" },
    { kind: "uninstall", title: "uninstall" },
    { kind: "transport", title: "transport alone" },
  ];
  const row = (label: string, pick: (phases: MusterPhases) => string) =>
    `| ${label} | ${sizes.map((n) => pick(results.phases[n])).join(" | ")} |`;
  const rows = ({ kind, title }: { kind: keyof MusterPhases; title: string }) => {
    const names = [
      ...new Set(sizes.flatMap((n) => results.phases[n][kind].phases.map((phase) => phase.phase))),
    ];
    return [
      ...(kind === "transport"
        ? []
        : [row(`${title}: before the first host (inventory; install: source check, checksums)`, (p) =>
          seconds(p[kind].prepareSeconds))]),
      ...names.map((name) =>
        row(`${title}: ${name}`, (p) => {
          const phase = p[kind].phases.find((candidate) => candidate.phase === name);
          return phase ? `${seconds(phase.medianSeconds)} / ${seconds(phase.maxSeconds)}` : "–";
        })
      ),
      ...(kind === "transport" ? [] : [
        row(`${title}: last host started after the first`, (p) => seconds(p[kind].lastStartSeconds ?? NaN)),
        row(`${title}: after the last host (closing, report)`, (p) => seconds(p[kind].afterSeconds ?? NaN)),
      ]),
      row(`${title}: whole run`, (p) => seconds(p[kind].totalSeconds)),
      row(`${title}: muster's thread on a CPU / ready, waiting for one`, (p) => {
        const thread = p[kind].thread;
        return thread ? `${seconds(thread.runSeconds)} / ${seconds(thread.waitSeconds)}` : "–";
      }),
    ];
  };
  return [
    "## Where muster's time goes",
    "",
    "One extra run of each command per fleet size, in the benchmark's process through muster's library API " +
    "(so without Deno's start), timing the engine's phase events; per host: median host / slowest host, " +
    "seconds; a phase entered several times is summed per host. `apply` is the uploads (until the apply " +
    "script announces its first step), `apply (script)` and `verify (script)` are the steps of the one script " +
    "that applies and verifies. *transport alone* is " +
    "muster's SSH transport doing only this install's transfers on every host at once (connect, the " +
    "binaries four at a time, one sudo command): the least the engine can take with this transport. " +
    "*muster's thread* is the one thread the engine and every SSH connection run on: its time on a CPU, and " +
    "its time ready to run but waiting for a CPU (the fleet's processes share the machine's cores).",
    "",
    `| Phase | ${sizes.map((n) => `${n} host${n === 1 ? "" : "s"}`).join(" | ")} |`,
    `|---|${sizes.map(() => "---:").join("|")}|`,
    ...(results.startupSeconds === undefined
      ? []
      : [row("`deno task muster --version` (Deno start, loading muster)", () =>
        seconds(results.startupSeconds!))]),
    ...groups.flatMap(rows),
    "",
    ...sizes.flatMap((n) =>
      groups.flatMap(({ kind }) =>
        (results.phases[n][kind].notes ?? []).map((note) => `- ${n} hosts, ${note}`)
      )
    ),
    "",
  ];
}

function errors(results: BenchResults): string[] {
  if (results.errors.length === 0) return [];
  return ["## Errors", "", ...results.errors.map((error) => `- ${error.split("\n")[0]}`), ""];
}
