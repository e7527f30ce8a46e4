import { type Change, shOp } from "../../src/engine/change.ts";
import { InstallError, SystemdError } from "../../src/engine/errors.ts";
import type { Facts } from "../../src/engine/fact.ts";
import type { Step } from "../../src/engine/step.ts";
import { contentFact, pathsFact } from "../../src/facts/files.ts";
import { unitBelongs, unitStatesFact } from "../../src/facts/services.ts";
import { UNIT_DIR } from "../../src/app/app.ts";
import type { AppSpec } from "../../src/app/spec.ts";
import { sh } from "../../src/transport/quote.ts";
import { cleaning, prefixFact, systemWide } from "../install/context.ts";
import { textFileChanges } from "../install/text_file.ts";
import { unitFile } from "./units.ts";
import { systemctlAction, waitFor } from "./wait.ts";
import { overlay } from "../../src/template/render.ts";

/** Steps whose changes do not restart a service: they only prepare the host. */
const NO_RESTART = ["clean", "account", "directories"];
const NEEDS_ROOT_HINT = "run muster with sudo, set ansible_become for the host, or pass --no-systemd";

/** Path of a unit file. */
export function unitPath(unit: string): string {
  return `${UNIT_DIR}/${unit}.service`;
}

/**
 * `systemd`: the units of the host's services in `/etc/systemd/system`, units of the app's
 * services it no longer runs removed, then `systemctl daemon-reload` when anything changed.
 */
export function unitsStep(spec: AppSpec): Step {
  const all = spec.app.services;
  const services = spec.app.servicesFor(spec.profiles);
  const contents = all.map((service) => contentFact(unitPath(service.name)));
  const states = pathsFact(all.map((service) => unitPath(service.name)));
  return {
    role: "systemd",
    name: "units",
    exitCode: 4,
    facts: [...contents, states],
    plan(facts) {
      if (!spec.systemd || all.length === 0) return [];
      if (!systemWide(facts)) {
        throw new InstallError("Installing systemd units needs root", { hint: NEEDS_ROOT_HINT });
      }
      const changes: Change[] = [];
      all.forEach((service, i) => {
        const path = unitPath(service.name);
        const current = facts.get(contents[i]);
        // A unit of the same name that runs another installation is never repointed.
        if (current !== undefined && !unitBelongs(current, spec.prefix)) {
          const runs = /^\s*ExecStart\s*=\s*[-@+!:]*(.*)$/m.exec(current)?.[1]?.trim() ?? "something else";
          throw new InstallError(
            `${path} belongs to another installation: it runs ${runs}, not ${spec.prefix}`,
            {
              hint:
                `one ${spec.app.title} with systemd per host: uninstall that one first, or install this one with --no-systemd`,
            },
          );
        }
        if (services.includes(service)) {
          changes.push(
            ...textFileChanges(
              { path, content: unitFile(spec, service), mode: 0o644, owner: "root" },
              current,
              facts.get(states).get(path),
            ),
          );
        } else if (current !== undefined) {
          changes.push({
            action: "remove",
            target: path,
            detail: "service not part of this host's profiles",
            ops: [
              shOp(sh`systemctl disable --now ${`${service.name}.service`} >/dev/null 2>&1 || true`),
              shOp(sh`rm -f -- ${path}`),
            ],
          });
        }
      });
      if (changes.length > 0) {
        changes.at(-1)!.ops.push(shOp("systemctl daemon-reload"));
      }
      return changes;
    },
  };
}

/** The app's kept files (configurations install does not overwrite) and the facts of their contents. */
export function keptFiles(spec: AppSpec) {
  return (spec.app.definition.files ?? []).filter((file) => file.policy === "keep")
    .map((file) => ({ path: file.path, content: contentFact(`${spec.prefix}/${file.path}`) }));
}

/**
 * What the services are configured with: a kept file (a configuration that install does
 * not overwrite) wins over the inventory's values where the app can read it back, so the
 * checks wait on the endpoint the service really uses.
 */
export function configuredSpec(spec: AppSpec, facts: Facts, kept: ReturnType<typeof keptFiles>): AppSpec {
  if (!spec.app.module.discover) return spec;
  const files = new Map<string, string>();
  for (const { path, content } of kept) {
    const text = facts.get(content);
    if (text !== undefined) files.set(path, text);
  }
  return files.size ? { ...spec, vars: overlay(spec.vars, spec.app.module.discover(files).vars) } : spec;
}

/**
 * `systemd` with `--enable`: enable and start the services in order, restarting those whose
 * files changed (a service's `restart_on` names the steps; by default any step that installs
 * something); wait until each started service is ready and healthy by its checks; verify each
 * is active.
 */
export function servicesStep(spec: AppSpec, options: { managed?: boolean } = {}): Step {
  const services = spec.app.servicesFor(spec.profiles);
  const states = unitStatesFact(services.map((service) => service.name));
  const kept = keptFiles(spec);
  const configured = (facts: Facts): AppSpec =>
    options.managed || cleaning(facts, spec) ? spec : configuredSpec(spec, facts, kept);
  return {
    role: "systemd",
    name: "services",
    exitCode: 5,
    // Asking systemctl costs a process per unit: only when services are to be started.
    facts: spec.systemd && spec.enable && services.length
      ? [states, prefixFact(spec), ...kept.map(({ content }) => content)]
      : [],
    plan(facts, earlier) {
      if (!spec.systemd || !spec.enable || services.length === 0) return [];
      if (!systemWide(facts)) {
        throw new InstallError("Starting services needs root", { hint: NEEDS_ROOT_HINT });
      }
      const found = facts.get(states);
      // `--clean` stops the services first, so they all need starting again.
      if (cleaning(facts, spec)) found.units.clear();
      if (!found.systemctl) {
        throw new SystemdError("systemctl was not found on the host", { hint: "pass --no-systemd" });
      }
      // Running services pick up new files only on restart: handlers, notified by what changed.
      const changed = earlier
        .filter(({ changes }) => changes.some((change) => change.ops.length > 0))
        .map(({ step }) => step.name);
      const changes: Change[] = [];
      for (const service of services) {
        const state = found.units.get(service.name);
        const restart = changed.some((name) =>
          service.restart_on ? service.restart_on.includes(name) : !NO_RESTART.includes(name)
        );
        const actions: string[] = [];
        const ops = [];
        if (state?.enabled !== "enabled") {
          actions.push("enable");
          ops.push(shOp(systemctlAction(spec, service, "enable")));
        }
        if (state?.active !== "active") {
          actions.push("start");
          ops.push(shOp(systemctlAction(spec, service, "start")));
        } else if (restart) {
          actions.push("restart (its files changed)");
          ops.push(shOp(systemctlAction(spec, service, "restart")));
        }
        if (ops.length > 0) {
          const checked = configured(facts);
          if (service.ready) ops.push(shOp(waitFor(checked, service, service.ready)));
          for (const check of service.health ?? []) ops.push(shOp(waitFor(checked, service, check)));
          changes.push({
            action: "change",
            target: `service ${service.name}`,
            detail: actions.join(", "),
            ops,
          });
        }
      }
      return changes;
    },
    verify() {
      if (!spec.systemd || !spec.enable || services.length === 0) return undefined;
      return services.map((service) =>
        sh`systemctl is-active --quiet ${`${service.name}.service`} || ` +
        sh`{ echo ${`${service.name} is not active`} >&2; exit 1; }`
      ).join("\n");
    },
  };
}
