import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { MusterError } from "../engine/errors.ts";
import type { RunEvent } from "../engine/events.ts";
import type { Fact } from "../engine/fact.ts";
import { prepareHost } from "../engine/host.ts";
import { runFleet } from "../engine/fleet.ts";
import type { HostResult, RunReport, StepResult } from "../engine/result.ts";
import { loadInventory } from "../inventory/load.ts";
import { selectHosts } from "../inventory/patterns.ts";
import type { Inventory, InventoryHost } from "../inventory/types.ts";
import type { App } from "../app/app.ts";
import { checkPrefix } from "../app/prefix.ts";
import { defaultPrefix } from "../app/spec.ts";
import { appVarsOf } from "../app/vars.ts";
import { buildReport } from "../report/report.ts";
import { sh } from "../transport/quote.ts";
import { sshRoute } from "../transport/ssh.ts";
import type { Connection } from "../transport/transport.ts";
import { connectorFor } from "./connect.ts";
import type { CommonOptions } from "./options.ts";
import { appOf, evaluatedConnectionOf, LOCAL_INVENTORY } from "./targets.ts";

/** Options of `validate`: the inventory, and the install flags that change what a host needs. */
export interface ValidateOptions extends CommonOptions {
  /** Installation prefix. @default flame_prefix, else $FLAME_PREFIX, else /usr/local/flame */
  prefix?: string;
  /** Systemd units will be installed. @default flame_systemd, else true */
  systemd?: boolean;
  /** Services will be started. @default flame_enable, else false */
  enable?: boolean;
  /** How long a name lookup may take, in ms. @default 5000 */
  resolveTimeoutMs?: number;
  env?: { get(key: string): string | undefined };
}

/** The checks of a host, in order. */
export const CHECKS = ["inventory", "resolve", "ssh", "privileges", "commands", "prefix"] as const;

/** One check of one host: a step result with what was found. */
export interface CheckResult extends StepResult {
  /** What passed, or why it failed or was not checked. */
  detail: string;
}

/** The validation of one host. */
export interface ValidatedHost extends HostResult {
  steps: CheckResult[];
}

/** What `validate` found: one result per host, each check a step; exit 0 when all pass, else 1. */
export interface ValidateReport extends RunReport {
  hosts: ValidatedHost[];
}

/** The commands the roles may need, probed on every host. */
export const PROBED_COMMANDS = [
  "sh",
  "stat",
  "sha256sum",
  "base64",
  "realpath",
  "find",
  "cp",
  "du",
  "df",
  "timeout",
  "useradd",
  "groupadd",
  "runuser",
  "python3",
  "systemctl",
] as const;

/**
 * `muster validate`: checks, for each selected host, that an install can work: its
 * inventory variables (file:line:col for a bad one), that `ansible_host` resolves, SSH
 * login, `sudo -n` where `become` (or root where systemd needs it), the commands the
 * roles need to install and to uninstall (`useradd` system-wide, `python3` with pip for
 * the packages, `systemctl` with systemd, what backups use) and the prefix (valid, and creatable or a directory). One command per host.
 * Changes nothing. The report's `exitCode` is 0 when every check passes, else 1.
 */
export async function validate(options: ValidateOptions): Promise<ValidateReport> {
  const startedAt = new Date();
  const emit = options.emit ?? ((_: RunEvent) => {});
  const app = await appOf(options);
  const sources = options.inventory.length ? options.inventory : [LOCAL_INVENTORY];
  const inventory = await loadInventory(sources, { extraVars: options.extraVars, vault: options.vault });
  for (const text of inventory.warnings ?? []) emit({ type: "message", level: "warn", text });
  const hosts = selectHosts(inventory, options.limit);
  if (hosts.length === 0) {
    emit({ type: "message", level: "warn", text: "No hosts matched; nothing to validate" });
  }
  const results = await runFleet(
    hosts,
    { ...options, serial: undefined, maxFailPercent: undefined },
    async (host) => {
      emit({ type: "host-start", host: host.name });
      const result = await validateHost(app, host, inventory, options, emit);
      emit({ type: "host-end", result });
      return result;
    },
    () => false,
    (host, reason) => notChecked(host, reason),
  );
  return { ...buildReport("validate", { dryRun: true, startedAt }, results), hosts: results };
}

/** What a host must have, from its variables and the flags. */
interface Needs {
  connection: Connection;
  prefix?: string;
  systemd: boolean;
  enable: boolean;
  sdk: boolean;
  /** A package goes into a virtualenv (python3 -m venv). */
  venv: boolean;
  /** The service user. */
  user: string;
}

async function validateHost(
  app: App,
  host: InventoryHost,
  inventory: Inventory,
  options: ValidateOptions,
  emit: (event: RunEvent) => void,
): Promise<ValidatedHost> {
  const started = performance.now();
  const checks = new Checks();
  let needs: Needs | undefined;
  let prefixError: string | undefined;
  try {
    const connection = evaluatedConnectionOf(host, inventory, options.connectionDefaults);
    const vars = appVarsOf(app, host, inventory);
    const name = app.varName.bind(app);
    const systemd = options.systemd ?? (vars[name("systemd")] as boolean | undefined) ?? true;
    const enable = options.enable ?? (vars[name("enable")] as boolean | undefined) ?? false;
    let prefix: string | undefined;
    try {
      prefix = checkPrefix(
        (options.prefix ?? vars[name("prefix")] ?? defaultPrefix(app, options.env)) as string,
      );
    } catch (error) {
      if (!(error instanceof MusterError)) throw error;
      prefixError = error.message;
    }
    const profiles = (vars[app.profilesVar] as string[] | undefined) ?? app.profiles;
    const packages = app.packagesFor(profiles);
    needs = {
      connection,
      prefix,
      systemd,
      enable,
      sdk: packages.length > 0,
      venv: packages.some((pkg) => pkg.kind === "venv"),
      user: app.definition.user.name,
    };
    if (enable && !systemd) {
      checks.fail("inventory", `${name("enable")} (or --enable) needs systemd, but it is off`);
    } else {
      checks.pass("inventory", `connection and ${app.definition.vars_prefix}* variables are valid`);
    }
  } catch (error) {
    if (!(error instanceof MusterError)) throw error;
    checks.fail("inventory", error.message);
  }
  const address = needs?.connection.address ?? String(host.vars.ansible_host ?? host.name);
  if (!needs) {
    for (const name of CHECKS.slice(1)) checks.skip(name, "not checked: the inventory entry is invalid");
    return checks.result(host.name, address, started);
  }
  const { connection } = needs;
  emit({ type: "host-phase", host: host.name, phase: "resolve" });
  const resolved = await resolveCheck(connection, options.resolveTimeoutMs ?? 5000);
  checks.add("resolve", resolved.ok ? "pass" : "fail", resolved.detail);
  if (!resolved.ok) {
    for (const name of CHECKS.slice(2)) checks.skip(name, "not checked: the address does not resolve");
    return checks.result(host.name, address, started);
  }
  // Locally, as the local transport does, no sudo for the user muster already runs as.
  const probed = connection.kind === "local" && alreadyUser(connection.becomeUser)
    ? { ...needs, connection: { ...connection, become: false } }
    : needs;
  // The engine connects and reads the probe as a fact in its one round trip, through
  // `become` as every command's facts are (a sudo password goes as the transport sends it).
  const fact = probeFact(probed);
  const prepared = await prepareHost(
    {
      connection: probed.connection,
      steps: [{ role: "validate", name: "probe", exitCode: 1, facts: [fact], plan: () => [] }],
    },
    { connect: connectorFor(options), emit, unreachableExitCode: 1, signal: options.signal },
  );
  try {
    if (!prepared.transport) {
      checks.fail("ssh", prepared.failure?.error.message ?? "no connection");
      for (const name of CHECKS.slice(3)) checks.skip(name, "not checked: no connection");
      return checks.result(host.name, address, started, { unreachable: true });
    }
    checks.pass(
      "ssh",
      connection.kind === "local"
        ? "local connection"
        : `logged in as ${connection.user ?? "the current user"} on ${connection.address}:${connection.port}`,
    );
    // Facts that cannot be read through `become` are sudo's answer.
    const reason = prepared.failure?.error.message.replace(/^Cannot read facts on [^:]*: /, "");
    const probe: Probe | undefined = prepared.failure
      ? probed.connection.become
        ? {
          login: { uid: -1, user: connection.user ?? "the login user" },
          sudo: { ok: false, error: reason },
          commands: new Map(),
        }
        : undefined
      : prepared.facts!.get(fact);
    if (!probe?.login) {
      for (const name of CHECKS.slice(3)) {
        checks.fail(name, `the probe command failed: ${reason ?? "no answer"}`);
      }
    } else {
      for (const check of evaluateProbe(probe, probed, prefixError)) {
        checks.add(check.name, check.status, check.detail);
      }
    }
  } finally {
    await prepared.session?.end();
    await prepared.transport?.close().catch(() => {});
  }
  return checks.result(host.name, address, started);
}

/** The probe as a fact, gathered through `become` with the host's other facts. */
export function probeFact(needs: Pick<Needs, "connection" | "prefix">): Fact<Probe> {
  return { key: `validate-probe:${needs.prefix ?? ""}`, command: probeScript(needs), parse: parseProbe };
}

function alreadyUser(user: string): boolean {
  return user === "root" ? Deno.uid() === 0 : Deno.env.get("USER") === user;
}

async function resolveCheck(
  connection: Connection,
  timeoutMs: number,
): Promise<{ ok: boolean; detail: string }> {
  if (connection.kind === "local") return { ok: true, detail: "local connection: nothing to resolve" };
  let route: Awaited<ReturnType<typeof sshRoute>>;
  try {
    route = await sshRoute(connection);
  } catch (error) {
    if (!(error instanceof MusterError)) throw error;
    return { ok: false, detail: error.message };
  }
  // Through a jump host or a proxy command, the controller need not resolve the host.
  if (route.via) return { ok: true, detail: `${route.host} is reached through ${route.via}` };
  const address = route.host.replace(/^\[(.*)\]$/, "$1");
  if (isIP(address)) return { ok: true, detail: `${address} is an IP address` };
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const found = await Promise.race([
      lookup(address, { all: true }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000}s`)), timeoutMs);
      }),
    ]);
    return { ok: true, detail: `${address} resolves to ${found.map((a) => a.address).join(", ")}` };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === "ENOTFOUND" ? "no such host name" : (error as Error).message;
    return { ok: false, detail: `Cannot resolve ansible_host '${address}': ${reason}` };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The one command run on a host, as the login user: who logs in, whether `sudo -n` works
 * (when `become`), then as the user installs run: the commands found, whether pip works,
 * and the prefix's state and nearest existing ancestor's writability.
 */
export function probeScript(needs: Pick<Needs, "connection" | "prefix">): string {
  const { become } = needs.connection;
  return [
    // Run through `become` by the engine: sudo says who logged in.
    `printf 'login %s %s\\n' "\${SUDO_UID:-$(id -u)}" "\${SUDO_USER:-$(id -un)}"`,
    ...(become ? ["echo 'sudo ok'"] : []),
    `printf 'as %s %s\\n' "$(id -u)" "$(id -un)"`,
    sh`for c in ${[...PROBED_COMMANDS]}; do ` +
    `if p=$(command -v "$c" 2>/dev/null); then printf 'cmd %s %s\\n' "$c" "$p"; else printf 'cmd %s\\n' "$c"; fi; done`,
    "if python3 -m pip --version >/dev/null 2>&1; then echo 'pip ok'; else echo 'pip missing'; fi",
    "if python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then echo 'venv ok'; else echo 'venv missing'; fi",
    ...(needs.prefix
      ? [
        sh`p=${needs.prefix}`,
        `if [ -L "$p" ]; then echo 'prefix symlink'; elif [ -d "$p" ]; then echo 'prefix directory'; ` +
        `elif [ -e "$p" ]; then echo 'prefix other'; else echo 'prefix absent'; fi`,
        `d=$p; while [ ! -e "$d" ]; do d=$(dirname -- "$d"); done`,
        `if [ -w "$d" ]; then printf 'writable %s\\n' "$d"; else printf 'readonly %s\\n' "$d"; fi`,
      ]
      : []),
  ].join("\n") + "\n";
}

/** What the probe found. */
export interface Probe {
  login?: { uid: number; user: string };
  /** `sudo -n` as the become user: ok, or the first line of its error. */
  sudo?: { ok: boolean; error?: string };
  /** Who the checks ran as (after become). */
  as?: { uid: number; user: string };
  /** Each probed command's path, or undefined when missing. */
  commands: Map<string, string | undefined>;
  pip?: boolean;
  /** Whether `python3 -m venv` can make a virtualenv with pip (Debian: python3-venv). */
  venv?: boolean;
  prefix?: "absent" | "directory" | "symlink" | "other";
  /** The nearest existing ancestor of the prefix (or the prefix) and whether it is writable. */
  parent?: { path: string; writable: boolean };
}

/** Parses the output of `probeScript`. */
export function parseProbe(output: string): Probe {
  const probe: Probe = { commands: new Map() };
  for (const line of output.split("\n")) {
    const [word, ...rest] = line.split(" ");
    const tail = rest.join(" ");
    if (word === "login" || word === "as") {
      probe[word] = { uid: Number(rest[0]), user: rest.slice(1).join(" ") };
    } else if (word === "sudo") {
      probe.sudo = rest[0] === "ok" ? { ok: true } : { ok: false, error: rest.slice(1).join(" ") };
    } else if (word === "cmd" && rest[0]) {
      probe.commands.set(rest[0], rest.slice(1).join(" ") || undefined);
    } else if (word === "pip") {
      probe.pip = rest[0] === "ok";
    } else if (word === "venv") {
      probe.venv = rest[0] === "ok";
    } else if (word === "prefix") {
      probe.prefix = tail as Probe["prefix"];
    } else if (word === "writable" || word === "readonly") {
      probe.parent = { path: tail, writable: word === "writable" };
    }
  }
  return probe;
}

/** The privileges, commands and prefix checks from a probe and what the host needs. */
export function evaluateProbe(
  probe: Probe,
  needs: Omit<Needs, "connection"> & { connection: Pick<Connection, "become" | "becomeUser"> },
  prefixError?: string,
): { name: string; status: "pass" | "fail" | "skip"; detail: string }[] {
  const { become, becomeUser } = needs.connection;
  const login = probe.login!;
  if (become && !probe.sudo?.ok) {
    const reason = probe.sudo?.error || "no answer";
    return [
      {
        name: "privileges",
        status: "fail",
        detail: `sudo -n true as ${becomeUser} failed for ${login.user}: ${reason}`,
      },
      { name: "commands", status: "skip", detail: "not checked: sudo failed" },
      { name: "prefix", status: "skip", detail: "not checked: sudo failed" },
    ];
  }
  const as = probe.as ?? login;
  const root = as.uid === 0;
  const checks: { name: string; status: "pass" | "fail" | "skip"; detail: string }[] = [];
  if (!root && needs.systemd) {
    checks.push({
      name: "privileges",
      status: "fail",
      detail:
        `systemd units need root, but commands run as ${as.user}: set ansible_become, or pass --no-systemd`,
    });
  } else {
    checks.push({
      name: "privileges",
      status: "pass",
      detail: become
        ? `sudo -n works: commands run as ${as.user}`
        : root
        ? "logged in as root"
        : `commands run as ${as.user} (a user-local install)`,
    });
  }
  const wanted: { name: string; why: string }[] = [
    { name: "sh", why: "every command" },
    { name: "stat", why: "facts" },
    { name: "sha256sum", why: "facts" },
    { name: "base64", why: "facts" },
    // What uninstall needs too: its safety checks, the verified backup, the stop deadline.
    { name: "realpath", why: "uninstall's safety checks" },
    { name: "find", why: "uninstall and backups" },
    { name: "cp", why: "backups" },
    { name: "du", why: "backups" },
    { name: "df", why: "backups" },
    ...(needs.systemd ? [{ name: "timeout", why: "stopping services within 30 s" }] : []),
  ];
  if (root) {
    wanted.push({ name: "useradd", why: `the ${needs.user} user` }, {
      name: "groupadd",
      why: `the ${needs.user} group`,
    });
  }
  if (needs.sdk || needs.enable) {
    wanted.push({ name: "python3", why: needs.sdk ? "the Python packages" : "readiness" });
  }
  if (root && needs.sdk) wanted.push({ name: "runuser", why: `checking the packages as ${needs.user}` });
  if (needs.systemd) wanted.push({ name: "systemctl", why: "systemd units; or pass --no-systemd" });
  const missing = wanted.filter((command) => !probe.commands.get(command.name));
  const pipMissing = needs.sdk && probe.commands.get("python3") && !probe.pip;
  const venvMissing = needs.venv && probe.commands.get("python3") && probe.venv === false;
  if (missing.length || pipMissing || venvMissing) {
    checks.push({
      name: "commands",
      status: "fail",
      detail: `missing: ${
        [
          ...missing.map((command) => `${command.name} (for ${command.why})`),
          ...(pipMissing ? ["python3 -m pip (for the Python packages: install python3-pip)"] : []),
          ...(venvMissing ? ["python3 -m venv (for a virtualenv: install python3-venv)"] : []),
        ].join(", ")
      }`,
    });
  } else {
    const names = wanted.map((command) =>
      command.name === "python3" && needs.sdk ? "python3 (pip)" : command.name
    );
    checks.push({ name: "commands", status: "pass", detail: `found ${names.join(", ")}` });
  }
  checks.push(prefixCheck(probe, needs.prefix, prefixError, as.user));
  return checks;
}

function prefixCheck(
  probe: Probe,
  prefix: string | undefined,
  prefixError: string | undefined,
  user: string,
): { name: string; status: "pass" | "fail"; detail: string } {
  if (!prefix) return { name: "prefix", status: "fail", detail: prefixError ?? "no prefix" };
  if (probe.prefix === "other" || probe.prefix === "symlink") {
    return {
      name: "prefix",
      status: "fail",
      detail: `${prefix} exists and is not a directory (${probe.prefix})`,
    };
  }
  if (probe.parent && !probe.parent.writable) {
    const what = probe.parent.path === prefix ? prefix : `${probe.parent.path} (to create ${prefix})`;
    return { name: "prefix", status: "fail", detail: `${what} is not writable by ${user}` };
  }
  return {
    name: "prefix",
    status: "pass",
    detail: probe.prefix === "directory"
      ? `${prefix} exists and is writable`
      : `${prefix} can be created in ${probe.parent?.path ?? "its parent"}`,
  };
}

/** Collects the checks of one host. */
class Checks {
  readonly #list: CheckResult[] = [];
  add(name: string, status: "pass" | "fail" | "skip", detail: string): void {
    this.#list.push({
      role: "validate",
      step: name,
      status: status === "pass" ? "ok" : status === "fail" ? "failed" : "skipped",
      changes: [],
      durationMs: 0,
      detail,
      ...(status === "fail" ? { error: detail } : {}),
    });
  }
  pass(name: string, detail: string): void {
    this.add(name, "pass", detail);
  }
  fail(name: string, detail: string): void {
    this.add(name, "fail", detail);
  }
  skip(name: string, detail: string): void {
    this.add(name, "skip", detail);
  }
  result(
    name: string,
    address: string,
    started: number,
    options: { unreachable?: boolean } = {},
  ): ValidatedHost {
    const failed = this.#list.filter((check) => check.status === "failed");
    return {
      name,
      address,
      status: options.unreachable ? "unreachable" : failed.length ? "failed" : "ok",
      exitCode: failed.length ? 1 : 0,
      durationMs: Math.round(performance.now() - started),
      ...(failed.length ? { error: `${failed[0].step}: ${failed[0].detail}` } : {}),
      steps: this.#list,
    };
  }
}

function notChecked(host: InventoryHost, reason: string): ValidatedHost {
  return {
    name: host.name,
    address: String(host.vars.ansible_host ?? host.name),
    status: "skipped",
    exitCode: 1,
    durationMs: 0,
    error: reason,
    steps: CHECKS.map((name) => ({
      role: "validate",
      step: name,
      status: "skipped" as const,
      changes: [],
      durationMs: 0,
      detail: reason,
    })),
  };
}
