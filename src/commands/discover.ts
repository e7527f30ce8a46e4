import { resolve } from "node:path";
import { parse, stringify } from "yaml";
import { MusterError, UsageError } from "../engine/errors.ts";
import type { RunEvent } from "../engine/events.ts";
import { runFleet } from "../engine/fleet.ts";
import type { HostResult, RunReport, StepResult } from "../engine/result.ts";
import { ALL_BINARIES, BINARIES_BY_PROFILE, type Profile, PROFILES, SERVICES } from "../flame/components.ts";
import { UNIT_DIR } from "../flame/layout.ts";
import { defaultPrefix } from "../flame/spec.ts";
import { flameVarsOf } from "../inventory/flame_vars.ts";
import type { Inventory, InventoryHost } from "../inventory/types.ts";
import { buildReport } from "../report/report.ts";
import { raw, sh } from "../transport/quote.ts";
import type { Transport } from "../transport/transport.ts";
import { connectorFor } from "./connect.ts";
import type { CommonOptions } from "./options.ts";
import { loadTargets, type Target } from "./targets.ts";

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
  /** The Flame installation found on each host, by host name. */
  found: Record<string, Installation>;
}

/** A Flame installation as found on a host, in inventory variables. */
export interface Installation {
  flame_prefix: string;
  flame_profiles: Profile[];
  flame_systemd: boolean;
  flame_enable?: boolean;
  flame_cluster_name?: string;
  flame_endpoint?: string;
  flame_cache_endpoint?: string;
}

/** Places where unit files are looked for. */
const UNIT_DIRS = [UNIT_DIR, "/lib/systemd/system", "/usr/lib/systemd/system"];

/**
 * `muster discover`: visits the selected hosts (one command each), finds Flame
 * installations at the host's `flame_prefix`, the default prefix and the prefixes named by
 * any `flame-*.service` unit, and writes an inventory that describes them: the source
 * inventory's connection variables (`ansible_*`), `flame_prefix`, `flame_profiles` (from the
 * binaries found), `flame_systemd`, `flame_enable` (services enabled) and the cluster name and
 * endpoints of the installed configuration. `muster status` with that inventory then
 * reports the hosts as in sync. Hosts without an installation are left out; the report's
 * `exitCode` is 1 when a host could not be visited or nothing was found.
 */
export async function discover(options: DiscoverOptions): Promise<DiscoverReport> {
  const startedAt = options.now ?? new Date();
  const emit = options.emit ?? ((_: RunEvent) => {});
  const output = resolve(options.output);
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
      emit({ type: "host-start", host: target.host.name });
      const result = await discoverHost(target, inventory, options, emit, (installation) => {
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
    emit({ type: "message", level: "warn", text: `No Flame installation found: ${output} not written` });
  }
  const report = buildReport("discover", { dryRun: false, startedAt }, results);
  return {
    ...report,
    exitCode: Math.max(report.exitCode, written ? 0 : 1),
    ...(written ? { output: written } : {}),
    found,
  };
}

async function discoverHost(
  target: Target,
  inventory: Inventory,
  options: DiscoverOptions,
  emit: (event: RunEvent) => void,
  record: (installation: Installation) => void,
): Promise<HostResult> {
  const started = performance.now();
  const { host, connection } = target;
  let transport: Transport;
  emit({ type: "host-phase", host: host.name, phase: "connect" });
  try {
    transport = await connectorFor(options)(connection);
  } catch (error) {
    if (!(error instanceof MusterError)) throw error;
    return hostResult(target, { status: "unreachable", exitCode: 1, error: error.message, started });
  }
  try {
    const candidates = [
      ...new Set([flameVarsOf(host, inventory).flame_prefix, defaultPrefix(options.env)]),
    ].filter((prefix): prefix is string => Boolean(prefix));
    emit({ type: "host-phase", host: host.name, phase: "facts" });
    const result = await transport.run(discoveryScript(candidates), { signal: options.signal });
    const facts = parseDiscovery(result.stdout);
    if (result.code !== 0 && facts.prefixes.size === 0 && facts.units.size === 0) {
      const reason = result.stderr.trim().split("\n")[0] || `exit ${result.code}`;
      return hostResult(target, {
        status: "failed",
        exitCode: 1,
        error: `Cannot look for Flame: ${reason}`,
        started,
      });
    }
    const { installation, warnings } = describeInstallation(facts, candidates);
    if (!installation) {
      return hostResult(target, {
        status: "skipped",
        exitCode: 0,
        started,
        step: {
          status: "skipped",
          warnings: [`no Flame installation found (looked in ${[...facts.looked].join(", ") || "nothing"})`],
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
          detail: `${installation.flame_prefix}: ${installation.flame_profiles.join(", ")}` +
            `${installation.flame_systemd ? `, systemd${installation.flame_enable ? ", enabled" : ""}` : ""}`,
        }],
        ...(warnings.length ? { warnings } : {}),
      },
    });
  } catch (error) {
    if (!(error instanceof MusterError)) throw error;
    return hostResult(target, { status: "failed", exitCode: 1, error: error.message, started });
  } finally {
    await transport.close().catch(() => {});
  }
}

/**
 * The one command run on a host: every `flame-*.service` unit (path, the prefix of its
 * `ExecStart`, `is-enabled`, `is-active`), then, for each candidate prefix and each unit's
 * prefix, the Flame binaries in `bin/` and the configuration (base64).
 */
export function discoveryScript(candidates: string[]): string {
  return [
    "muster_probe() {",
    '  [ -d "$1" ] || { printf \'missing %s\\n\' "$1"; return 0; }',
    "  printf 'prefix %s\\n' \"$1\"",
    sh`  for b in ${[...ALL_BINARIES]}; do [ -f "$1/bin/$b" ] && printf 'bin %s %s\\n' "$b" "$1"; done`,
    '  if [ -f "$1/conf/flame-cluster.yaml" ]; then',
    '    printf \'config %s %s\\n\' "$(base64 -w0 < "$1/conf/flame-cluster.yaml")" "$1"',
    "  fi",
    "  return 0",
    "}",
    // The globs are constants, left unquoted so that the shell expands them.
    sh`for f in ${UNIT_DIRS.map((dir) => raw(`${dir}/flame-*.service`))}; do`,
    '  [ -f "$f" ] || continue',
    '  u=$(basename "$f" .service)',
    "  p=$(sed -n 's|^ExecStart=[[:space:]]*\\(/[^[:space:]]*\\)/bin/[^/[:space:]]*.*|\\1|p' \"$f\" | head -n 1)",
    "  e=; a=; if command -v systemctl >/dev/null 2>&1; then",
    '    e=$(systemctl is-enabled "$u.service" 2>/dev/null | head -n 1)',
    '    a=$(systemctl is-active "$u.service" 2>/dev/null | head -n 1)',
    "  fi",
    '  printf \'unit %s %s %s %s\\n\' "$u" "${e:-unknown}" "${a:-unknown}" "$p"',
    '  [ -n "$p" ] && muster_probe "$p"',
    "done",
    ...candidates.map((prefix) => sh`muster_probe ${prefix}`),
    "true",
  ].join("\n") + "\n";
}

/** What the discovery command found on a host. */
export interface DiscoveryFacts {
  /** Prefixes looked at, in order. */
  looked: Set<string>;
  /** Existing prefixes with the Flame binaries in their `bin/` and their configuration. */
  prefixes: Map<string, { binaries: string[]; config?: string }>;
  /** Flame units by name. */
  units: Map<string, { enabled: string; active: string; prefix?: string }>;
}

/** Parses the output of `discoveryScript`. */
export function parseDiscovery(output: string): DiscoveryFacts {
  const facts: DiscoveryFacts = { looked: new Set(), prefixes: new Map(), units: new Map() };
  const prefix = (path: string) => {
    facts.looked.add(path);
    if (!facts.prefixes.has(path)) facts.prefixes.set(path, { binaries: [] });
    return facts.prefixes.get(path)!;
  };
  for (const line of output.split("\n")) {
    const [word, ...rest] = line.split(" ");
    if (word === "missing") facts.looked.add(rest.join(" "));
    else if (word === "prefix") prefix(rest.join(" "));
    else if (word === "bin" && rest.length >= 2) {
      const found = prefix(rest.slice(1).join(" "));
      if (!found.binaries.includes(rest[0])) found.binaries.push(rest[0]);
    } else if (word === "config" && rest.length >= 2) {
      const bytes = Uint8Array.from(atob(rest[0]), (c) => c.charCodeAt(0));
      prefix(rest.slice(1).join(" ")).config = new TextDecoder().decode(bytes);
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
 * binary is there; systemd when its units exist; enable when they are all enabled.
 */
export function describeInstallation(
  facts: DiscoveryFacts,
  candidates: string[],
): { installation?: Installation; warnings: string[] } {
  const installed = [...facts.prefixes].filter(([, found]) => found.binaries.length > 0 || found.config);
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
    `another Flame installation at ${other} is not described (one prefix per host)`
  );
  let profiles = PROFILES.filter((profile) =>
    BINARIES_BY_PROFILE[profile].every((binary) => found.binaries.includes(binary))
  );
  if (profiles.length === 0) {
    profiles = PROFILES.filter((profile) =>
      BINARIES_BY_PROFILE[profile].some((binary) => found.binaries.includes(binary))
    );
    if (profiles.length === 0) profiles = [...PROFILES];
    warnings.push(`the binaries in ${prefix}/bin make no whole profile; assumed ${profiles.join(", ")}`);
  }
  const covered = new Set(profiles.flatMap((profile) => BINARIES_BY_PROFILE[profile]));
  const stray = found.binaries.filter((binary) => !covered.has(binary));
  if (stray.length) warnings.push(`${stray.join(", ")} in ${prefix}/bin belong to no whole profile`);
  const services = SERVICES.filter((service) => profiles.includes(service.profile));
  const units = services.map((service) => facts.units.get(service.unit)).filter((unit) =>
    unit?.prefix === prefix
  );
  const systemd = units.length > 0;
  const installation: Installation = {
    flame_prefix: prefix,
    flame_profiles: profiles,
    flame_systemd: systemd,
    ...(systemd
      ? { flame_enable: units.length === services.length && units.every((u) => u!.enabled === "enabled") }
      : {}),
    ...configVars(found.config, prefix, warnings),
  };
  return { installation, warnings };
}

function configVars(text: string | undefined, prefix: string, warnings: string[]): Partial<Installation> {
  if (text === undefined) {
    warnings.push(`${prefix}/conf/flame-cluster.yaml is missing: the endpoints are left to the defaults`);
    return {};
  }
  let doc: { cluster?: { name?: unknown; endpoint?: unknown }; cache?: { endpoint?: unknown } } | null;
  try {
    doc = parse(text);
  } catch {
    warnings.push(`${prefix}/conf/flame-cluster.yaml does not parse: the endpoints are left to the defaults`);
    return {};
  }
  const text_ = (value: unknown) => typeof value === "string" && value !== "" ? value : undefined;
  const name = text_(doc?.cluster?.name);
  const endpoint = text_(doc?.cluster?.endpoint);
  const cache = text_(doc?.cache?.endpoint);
  return {
    ...(name ? { flame_cluster_name: name } : {}),
    ...(endpoint ? { flame_endpoint: endpoint } : {}),
    ...(cache ? { flame_cache_endpoint: cache } : {}),
  };
}

/**
 * The YAML inventory of discovered hosts: each with the `ansible_*` variables it has in
 * the source inventory and the Flame variables of its installation.
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
    return [host.name, { ...connection, ...found[host.name] }];
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
