import { resolve } from "node:path";
import { stringify } from "yaml";
import { UsageError } from "../engine/errors.ts";
import type { RunEvent } from "../engine/events.ts";
import { runFleet } from "../engine/fleet.ts";
import type { HostResult, RunReport, StepResult } from "../engine/result.ts";
import { type App, UNIT_DIR } from "../app/app.ts";
import { render } from "../template/render.ts";
import { defaultPrefix } from "../app/spec.ts";
import { appVarsOf } from "../app/vars.ts";
import type { Inventory, InventoryHost } from "../inventory/types.ts";
import { buildReport } from "../report/report.ts";
import { sh } from "../transport/quote.ts";
import type { Fact } from "../engine/fact.ts";
import { prepareHost } from "../engine/host.ts";
import { connectorFor } from "./connect.ts";
import type { CommonOptions } from "./options.ts";
import { appOf, loadTargets, type Target } from "./targets.ts";

/** Options of `discover`. */
export interface DiscoverOptions extends CommonOptions {
  /** Where the inventory is written. */
  output: string;
  env?: { get(key: string): string | undefined };
  /** Clock for the header of the written file. @default new Date() */
  now?: Date;
}

/** What `discover` did: one result per host, and the inventory it wrote. */
export interface DiscoverReport extends RunReport {
  /** The file written (absolute), absent when nothing was found. */
  output?: string;
  /** The installation found on each host, by host name. */
  found: Record<string, Installation>;
  /** The application looked for. */
  app: { name: string; title: string; varsPrefix: string };
}

/** An installation of the app as found on a host. */
export interface Installation {
  prefix: string;
  profiles: string[];
  systemd: boolean;
  /** Whether every service of its profiles is enabled (only with systemd). */
  enable?: boolean;
  /** The inventory variables that describe it (`flame_prefix`, `flame_profiles`, ...). */
  vars: Record<string, unknown>;
}

/** Places where unit files are looked for. */
const UNIT_DIRS = [UNIT_DIR, "/lib/systemd/system", "/usr/lib/systemd/system"];

/**
 * `muster discover`: visits the selected hosts (one command each), finds installations of
 * the app at the host's prefix variable, the default prefix and the prefixes named by the
 * app's service units, and writes an inventory that describes them: the source inventory's
 * connection variables (`ansible_*`), the prefix, the profiles (from the artifacts found),
 * systemd, enable (services enabled) and what the app's module reads back from its kept
 * files (Flame: the cluster name and endpoints). `muster status` with that inventory then
 * reports the hosts as in sync. Hosts without an installation are left out; the report's
 * `exitCode` is 1 when a host could not be visited or nothing was found.
 */
export async function discover(options: DiscoverOptions): Promise<DiscoverReport> {
  const startedAt = options.now ?? new Date();
  const emit = options.emit ?? ((_: RunEvent) => {});
  const output = resolve(options.output);
  const app = await appOf(options);
  const { inventory, targets } = await loadTargets(options);
  if (inventory.sources.some((source) => resolve(source) === output)) {
    throw new UsageError(`Refusing to overwrite the inventory being read: ${output}`, {
      hint: "pass another --output file",
    });
  }
  const found: Record<string, Installation> = {};
  const results = await runFleet(
    targets,
    { ...options, serial: undefined, maxFailPercent: undefined },
    async (target) => {
      const result = await discoverHost(app, target, inventory, options, emit, (installation) => {
        found[target.host.name] = installation;
      });
      emit({ type: "host-end", result });
      return result;
    },
    () => false,
    (target, reason) => hostResult(target, { status: "skipped", exitCode: 1, error: reason }),
  );
  let written: string | undefined;
  if (Object.keys(found).length > 0) {
    const hosts = targets.filter((target) => found[target.host.name]).map((target) => target.host);
    const text = discoveredInventory(hosts, found, { sources: inventory.sources, date: startedAt });
    await Deno.writeTextFile(output, text);
    written = output;
  } else {
    emit({
      type: "message",
      level: "warn",
      text: `No ${app.title} installation found: ${output} not written`,
    });
  }
  const report = buildReport("discover", { dryRun: false, startedAt }, results);
  return {
    ...report,
    exitCode: Math.max(report.exitCode, written ? 0 : 1),
    ...(written ? { output: written } : {}),
    found,
    app: { name: app.name, title: app.title, varsPrefix: app.definition.vars_prefix },
  };
}

async function discoverHost(
  app: App,
  target: Target,
  inventory: Inventory,
  options: DiscoverOptions,
  emit: (event: RunEvent) => void,
  record: (installation: Installation) => void,
): Promise<HostResult> {
  const started = performance.now();
  const { host, connection } = target;
  const prefixVar = appVarsOf(app, host, inventory)[app.varName("prefix")] as string | undefined;
  const candidates = [...new Set([prefixVar, defaultPrefix(app, options.env)])]
    .filter((prefix): prefix is string => Boolean(prefix));
  const fact = discoveryFact(app, candidates);
  // The engine connects and reads the facts, in one command, as for every other command.
  const prepared = await prepareHost(
    {
      connection,
      steps: [{ role: "discover", name: "installation", exitCode: 1, facts: [fact], plan: () => [] }],
    },
    {
      connect: connectorFor(options),
      emit,
      unreachableExitCode: 1,
      signal: options.signal,
    },
  );
  try {
    if (prepared.failure) {
      const { error, unreachable } = prepared.failure;
      return hostResult(target, {
        status: unreachable ? "unreachable" : "failed",
        exitCode: 1,
        error: unreachable ? error.message : `Cannot look for ${app.title}: ${error.message}`,
        started,
      });
    }
    const facts = prepared.facts!.get(fact);
    const { installation, warnings } = describeInstallation(app, facts, candidates);
    if (!installation) {
      return hostResult(target, {
        status: "skipped",
        exitCode: 0,
        started,
        step: {
          status: "skipped",
          warnings: [
            `no ${app.title} installation found (looked in ${[...facts.looked].join(", ") || "nothing"})`,
          ],
        },
      });
    }
    record(installation);
    return hostResult(target, {
      status: "ok",
      exitCode: 0,
      started,
      step: {
        status: "ok",
        changes: [{
          action: "create",
          target: `inventory entry ${host.name}`,
          detail: `${installation.prefix}: ${installation.profiles.join(", ")}` +
            `${installation.systemd ? `, systemd${installation.enable ? ", enabled" : ""}` : ""}`,
        }],
        ...(warnings.length ? { warnings } : {}),
      },
    });
  } finally {
    await prepared.session?.end();
    await prepared.transport?.close().catch(() => {});
  }
}

/** The discovery command as a fact: what the host has of the app, parsed. */
export function discoveryFact(app: App, candidates: string[]): Fact<DiscoveryFacts> {
  const command = discoveryScript(app, candidates);
  return {
    key: `discover:${app.name}:${candidates.join(",")}`,
    command,
    parse: (output) => parseDiscovery(output),
  };
}

/** The kept files (`policy: keep`) of the app: what `discover` reads back. */
function keptFiles(app: App): string[] {
  return (app.definition.files ?? []).filter((file) => file.policy === "keep").map((file) => file.path);
}

/**
 * Which word of a service's command line is under the prefix, and what follows the prefix
 * there (`/bin/flame-session-manager`): how the prefix is read back from a unit.
 */
function prefixedWord(app: App, exec: string): { index: number; suffix: string } | undefined {
  const mark = "/\u0000prefix\u0000";
  try {
    const words = render(exec, { [app.varName("prefix")]: mark }, "exec").trim().split(/\s+/);
    const index = words.findIndex((word) => word.startsWith(mark));
    return index < 0 ? undefined : { index, suffix: words[index].slice(mark.length) };
  } catch {
    return undefined;
  }
}

/**
 * The one command run on a host: each of the app's unit files (path, the prefix of its
 * `ExecStart`, `is-enabled`, `is-active`), then, for each candidate prefix and each unit's
 * prefix, the app's artifacts found there and its kept files (base64).
 */
export function discoveryScript(app: App, candidates: string[]): string {
  const artifacts = app.artifacts.map((name) => ({ name, path: app.artifactPath("", name).slice(1) }));
  return [
    "muster_probe() {",
    '  [ -d "$1" ] || { printf \'missing %s\\n\' "$1"; return 0; }',
    "  printf 'prefix %s\\n' \"$1\"",
    ...artifacts.map(({ name, path }) => sh`  [ -f "$1"/${path} ] && printf 'bin %s %s\\n' ${name} "$1"`),
    ...keptFiles(app).map((path) =>
      sh`  [ -f "$1"/${path} ] && printf 'file %s %s %s\\n' ${path} "$(base64 -w0 < "$1"/${path})" "$1"`
    ),
    "  return 0",
    "}",
    ...app.services.flatMap((service) => {
      const word = prefixedWord(app, service.exec);
      return [
        sh`for f in ${UNIT_DIRS.map((dir) => `${dir}/${service.name}.service`)}; do`,
        '  [ -f "$f" ] || continue',
        ...(word
          ? [
            sh`  x=$(sed -n 's|^ExecStart=[[:space:]]*[-@+!:]*||p' "$f" | head -n 1 | awk -v i=${
              word.index + 1
            } '{ print $i }')`,
            sh`  p=\${x%${word.suffix}}; [ "$p" != "$x" ] || p=`,
          ]
          : ["  p="]),
        "  e=; a=; if command -v systemctl >/dev/null 2>&1; then",
        sh`    e=$(systemctl is-enabled ${`${service.name}.service`} 2>/dev/null | head -n 1)`,
        sh`    a=$(systemctl is-active ${`${service.name}.service`} 2>/dev/null | head -n 1)`,
        "  fi",
        sh`  printf 'unit %s %s %s %s\\n' ${service.name} "\${e:-unknown}" "\${a:-unknown}" "$p"`,
        '  [ -n "$p" ] && muster_probe "$p"',
        "  break",
        "done",
      ];
    }),
    ...candidates.map((prefix) => sh`muster_probe ${prefix}`),
    "true",
  ].join("\n") + "\n";
}

/** What the discovery command found on a host. */
export interface DiscoveryFacts {
  /** Prefixes looked at, in order. */
  looked: Set<string>;
  /** Existing prefixes with the app's artifacts found there and its kept files (by relative path). */
  prefixes: Map<string, { binaries: string[]; files: Map<string, string> }>;
  /** The app's units by name. */
  units: Map<string, { enabled: string; active: string; prefix?: string }>;
}

/** Parses the output of `discoveryScript`. */
export function parseDiscovery(output: string): DiscoveryFacts {
  const facts: DiscoveryFacts = { looked: new Set(), prefixes: new Map(), units: new Map() };
  const prefix = (path: string) => {
    facts.looked.add(path);
    if (!facts.prefixes.has(path)) facts.prefixes.set(path, { binaries: [], files: new Map() });
    return facts.prefixes.get(path)!;
  };
  for (const line of output.split("\n")) {
    const [word, ...rest] = line.split(" ");
    if (word === "missing") facts.looked.add(rest.join(" "));
    else if (word === "prefix") prefix(rest.join(" "));
    else if (word === "bin" && rest.length >= 2) {
      const found = prefix(rest.slice(1).join(" "));
      if (!found.binaries.includes(rest[0])) found.binaries.push(rest[0]);
    } else if (word === "file" && rest.length >= 3) {
      const bytes = Uint8Array.from(atob(rest[1]), (c) => c.charCodeAt(0));
      prefix(rest.slice(2).join(" ")).files.set(rest[0], new TextDecoder().decode(bytes));
    } else if (word === "unit" && rest.length >= 3) {
      const [unit, enabled, active, ...path] = rest;
      facts.units.set(unit, {
        enabled,
        active,
        ...(path.length && path[0] ? { prefix: path.join(" ") } : {}),
      });
    }
  }
  return facts;
}

/**
 * The installation an inventory entry describes, from what was found: the prefix with
 * services first (units point at it), then the candidates in order; profiles whose every
 * artifact is there; systemd when its units exist; enable when they are all enabled.
 */
export function describeInstallation(
  app: App,
  facts: DiscoveryFacts,
  candidates: string[],
): { installation?: Installation; warnings: string[] } {
  const installed = [...facts.prefixes].filter(([, found]) =>
    found.binaries.length > 0 || found.files.size > 0
  );
  if (installed.length === 0) return { warnings: [] };
  const unitPrefixes = [...facts.units.values()].map((unit) => unit.prefix);
  const rank = ([path]: [string, unknown]) =>
    unitPrefixes.includes(path)
      ? -1
      : candidates.includes(path)
      ? candidates.indexOf(path)
      : candidates.length;
  installed.sort((a, b) => rank(a) - rank(b));
  const [prefix, found] = installed[0];
  const warnings = installed.slice(1).map(([other]) =>
    `another ${app.title} installation at ${other} is not described (one prefix per host)`
  );
  const all = app.profiles;
  const artifactsOf = (profile: string) => app.artifactsFor([profile]);
  let profiles = all.filter((profile) => artifactsOf(profile).every((name) => found.binaries.includes(name)));
  // A profile with no artifacts (services or packages only) tells nothing by itself.
  if (app.artifacts.length > 0) {
    profiles = profiles.filter((profile) => artifactsOf(profile).length > 0);
    if (profiles.length === 0) {
      profiles = all.filter((profile) => artifactsOf(profile).some((name) => found.binaries.includes(name)));
      if (profiles.length === 0) profiles = [...all];
      warnings.push(`the binaries in ${prefix}/bin make no whole profile; assumed ${profiles.join(", ")}`);
    }
    const covered = new Set(profiles.flatMap(artifactsOf));
    const stray = found.binaries.filter((name) => !covered.has(name));
    if (stray.length) warnings.push(`${stray.join(", ")} in ${prefix}/bin belong to no whole profile`);
  } else profiles = [...all];
  const services = app.servicesFor(profiles);
  const units = services.map((service) => facts.units.get(service.name)).filter((unit) =>
    unit?.prefix === prefix
  );
  const systemd = units.length > 0;
  const enable = systemd
    ? units.length === services.length && units.every((u) => u!.enabled === "enabled")
    : undefined;
  const read = app.module.discover?.(found.files) ?? { vars: {}, warnings: [] };
  warnings.push(
    ...read.warnings.map((warning) => warning.startsWith("/") ? warning : `${prefix}/${warning}`),
  );
  return {
    installation: {
      prefix,
      profiles,
      systemd,
      ...(enable === undefined ? {} : { enable }),
      vars: {
        [app.varName("prefix")]: prefix,
        [app.profilesVar]: profiles,
        [app.varName("systemd")]: systemd,
        ...(enable === undefined ? {} : { [app.varName("enable")]: enable }),
        ...read.vars,
      },
    },
    warnings,
  };
}

/**
 * The YAML inventory of discovered hosts: each with the `ansible_*` variables it has in
 * the source inventory and the app variables of its installation.
 */
export function discoveredInventory(
  hosts: InventoryHost[],
  found: Record<string, Installation>,
  context: { sources: string[]; date: Date },
): string {
  const entries = Object.fromEntries(hosts.map((host) => {
    const connection = Object.fromEntries(
      Object.entries(host.vars).filter(([name, value]) => name.startsWith("ansible_") && value !== null),
    );
    return [host.name, { ...connection, ...found[host.name].vars }];
  }));
  const header = [
    `# Generated by muster discover on ${context.date.toISOString()}`,
    ...(context.sources.length ? [`# from ${context.sources.join(", ")}`] : []),
    "# Check it with: muster status -i THIS_FILE --src-dir SRC",
  ];
  return header.join("\n") + "\n" + stringify({ all: { hosts: entries } }, { lineWidth: 0 });
}

function hostResult(
  target: Target,
  outcome: {
    status: HostResult["status"];
    exitCode: number;
    error?: string;
    started?: number;
    step?: Partial<StepResult>;
  },
): HostResult {
  const step: StepResult = {
    role: "discover",
    step: "installation",
    status: outcome.status === "unreachable"
      ? "failed"
      : outcome.status === "changed"
      ? "ok"
      : outcome.status,
    changes: [],
    durationMs: 0,
    ...(outcome.error ? { error: outcome.error } : {}),
    ...outcome.step,
  };
  return {
    name: target.host.name,
    address: target.connection.address,
    status: outcome.status,
    exitCode: outcome.exitCode,
    durationMs: outcome.started === undefined ? 0 : Math.round(performance.now() - outcome.started),
    ...(outcome.error ? { error: outcome.error } : {}),
    steps: [step],
  };
}
