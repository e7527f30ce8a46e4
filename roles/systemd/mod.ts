import { type Change, shOp } from "../../src/engine/change.ts";
import { InstallError, SystemdError } from "../../src/engine/errors.ts";
import type { Step } from "../../src/engine/step.ts";
import { contentFact, pathsFact } from "../../src/facts/files.ts";
import { unitStatesFact } from "../../src/facts/services.ts";
import { SERVICES, servicesFor } from "../../src/flame/components.ts";
import { UNIT_DIR } from "../../src/flame/layout.ts";
import type { FlameSpec } from "../../src/flame/spec.ts";
import { sh } from "../../src/transport/quote.ts";
import { cleaning, prefixFact, systemWide } from "../install/context.ts";
import { textFileChanges } from "../install/text_file.ts";
import { unitFile } from "./units.ts";
import { readinessCheck, systemctlAction } from "./wait.ts";

const RESTART_ON = ["binaries", "sdk", "flmenv", "config", "units"];
const NEEDS_ROOT_HINT = "run muster with sudo, set ansible_become for the host, or pass --no-systemd";

/** Path of a unit file. */
export function unitPath(unit: string): string {
  return `${UNIT_DIR}/${unit}.service`;
}

/**
 * `systemd`: the units of the host's services in `/etc/systemd/system`, units of services
 * it no longer runs removed, then `systemctl daemon-reload` when anything changed.
 */
export function unitsStep(spec: FlameSpec): Step {
  const services = servicesFor(spec.profiles);
  const contents = SERVICES.map((service) => contentFact(unitPath(service.unit)));
  const states = pathsFact(SERVICES.map((service) => unitPath(service.unit)));
  return {
    role: "systemd",
    name: "units",
    exitCode: 4,
    facts: [...contents, states],
    plan(facts) {
      if (!spec.systemd) return [];
      if (!systemWide(facts)) {
        throw new InstallError("Installing systemd units needs root", { hint: NEEDS_ROOT_HINT });
      }
      const changes: Change[] = [];
      SERVICES.forEach((service, i) => {
        const path = unitPath(service.unit);
        const current = facts.get(contents[i]);
        if (services.includes(service)) {
          const content = unitFile(spec, service);
          changes.push(
            ...textFileChanges(
              { path, content, mode: 0o644, owner: "root" },
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
              shOp(sh`systemctl disable --now ${`${service.unit}.service`} >/dev/null 2>&1 || true`),
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

/**
 * `systemd` with `--enable`: enable and start the services in order (session manager,
 * object cache, executor manager), restarting those whose files changed; wait until the
 * session manager accepts connections; verify each is active.
 */
export function servicesStep(spec: FlameSpec): Step {
  const services = servicesFor(spec.profiles);
  const states = unitStatesFact(services.map((service) => service.unit));
  return {
    role: "systemd",
    name: "services",
    exitCode: 5,
    // Asking systemctl costs a process per unit: only when services are to be started.
    facts: spec.systemd && spec.enable ? [states, prefixFact(spec)] : [],
    plan(facts, earlier) {
      if (!spec.systemd || !spec.enable) return [];
      if (!systemWide(facts)) {
        throw new InstallError("Starting services needs root", { hint: NEEDS_ROOT_HINT });
      }
      const found = facts.get(states);
      // `--clean` stops the services first, so they all need starting again.
      if (cleaning(facts, spec)) found.units.clear();
      if (!found.systemctl) {
        throw new SystemdError("systemctl was not found on the host", { hint: "pass --no-systemd" });
      }
      // Running services pick up new binaries, config or units only on restart.
      const restart = earlier.some(({ step, changes }) =>
        RESTART_ON.includes(step.name) && changes.some((change) => change.ops.length > 0)
      );
      const changes: Change[] = [];
      for (const service of services) {
        const state = found.units.get(service.unit);
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
        if (service.unit === "flame-session-manager" && ops.length > 0) {
          ops.push(shOp(readinessCheck(spec, service)));
        }
        if (ops.length > 0) {
          changes.push({
            action: "change",
            target: `service ${service.unit}`,
            detail: actions.join(", "),
            ops,
          });
        }
      }
      return changes;
    },
    verify() {
      if (!spec.systemd || !spec.enable) return undefined;
      return services.map((service) =>
        sh`systemctl is-active --quiet ${`${service.unit}.service`} || ` +
        sh`{ echo ${`${service.unit} is not active`} >&2; exit 1; }`
      ).join("\n");
    },
  };
}
