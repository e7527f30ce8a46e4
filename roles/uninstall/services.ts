import { type Change, shOp } from "../../src/engine/change.ts";
import { MusterError, UninstallExit } from "../../src/engine/errors.ts";
import type { Facts } from "../../src/engine/fact.ts";
import type { Step } from "../../src/engine/step.ts";
import { contentFact } from "../../src/facts/files.ts";
import { identityFact } from "../../src/facts/identity.ts";
import { unitBelongs, unitStatesFact } from "../../src/facts/services.ts";
import { type App, UNIT_DIR } from "../../src/app/app.ts";
import type { ServiceDecl } from "../../src/app/definition.ts";

import { sh } from "../../src/transport/quote.ts";
import { SUDO_HINT } from "./checks.ts";
import type { UninstallSpec } from "./spec.ts";

/** Longest time all services together may take to stop (RFE333: 30 s). */
export const STOP_TIMEOUT_S = 30;

/** The app's services in stop order: the reverse of their start order (Flame: executor manager first). */
export function stopOrder(app: App): ServiceDecl[] {
  return [...app.services].reverse();
}

/** Path of a service's unit file. */
export function unitPath(service: ServiceDecl): string {
  return `${UNIT_DIR}/${service.name}.service`;
}

/** The facts that say which units belong to the installation and what state they are in. */
export function unitFacts(app: App) {
  return {
    contents: new Map(app.services.map((service) => [service.name, contentFact(unitPath(service))])),
    states: unitStatesFact(app.services.map((service) => service.name)),
  };
}

/** The services whose unit file belongs to this installation, in stop order. */
export function ownServices(facts: Facts, app: App, prefix: string): ServiceDecl[] {
  const { contents } = unitFacts(app);
  return stopOrder(app).filter((service) => unitBelongs(facts.get(contents.get(service.name)!), prefix));
}

const STOPPED = new Set(["inactive", "failed", "unknown", ""]);

/**
 * `uninstall`: stop the installation's running services, in stop order, within
 * 30 s in all. A service that will not stop is a warning (exit 3 at the end), not a failure.
 * If a later step fails before the units are removed, the services are started again.
 */
export function servicesStep(spec: UninstallSpec): Step {
  const { contents, states } = unitFacts(spec.app);
  const running = (facts: Facts): ServiceDecl[] => {
    const found = facts.get(states);
    if (!found.systemctl) return [];
    return ownServices(facts, spec.app, spec.prefix).filter((service) =>
      !STOPPED.has(found.units.get(service.name)?.active ?? "")
    );
  };
  return {
    role: "uninstall",
    name: "services",
    exitCode: UninstallExit.stop,
    facts: [...contents.values(), states, identityFact],
    plan(facts) {
      const services = running(facts);
      if (services.length === 0) return [];
      if (facts.get(identityFact).uid !== 0) {
        throw new MusterError(
          `Permission denied: stopping ${services[0].name} needs root`,
          UninstallExit.permission,
          {
            hint: SUDO_HINT,
          },
        );
      }
      const changes: Change[] = services.map((service, i) => ({
        action: "change",
        target: `service ${service.name}`,
        detail: "stop",
        ops: [
          ...(i === 0 ? [shOp(`muster_stop_deadline=$(( $(date +%s) + ${STOP_TIMEOUT_S} ))`)] : []),
          shOp(stopScript(service)),
        ],
      }));
      return changes;
    },
    rollback(facts) {
      const services = running(facts);
      if (services.length === 0) return undefined;
      // Only while the unit and the binary are still there: a failed backup leaves the host as it was.
      return [...services].reverse().map((service) =>
        sh`if [ -f ${
          unitPath(service)
        } ]; then systemctl start ${`${service.name}.service`} >/dev/null 2>&1 || true; fi`
      ).join("\n");
    },
  };
}

/** Shell that stops one service within what is left of the shared deadline; warns when it does not stop. */
export function stopScript(service: ServiceDecl): string {
  const unit = `${service.name}.service`;
  return [
    'muster_left=$(( muster_stop_deadline - $(date +%s) )); [ "$muster_left" -gt 0 ] || muster_left=1',
    sh`if timeout "$muster_left" systemctl stop ${unit} >/dev/null 2>&1 && ! systemctl is-active --quiet ${unit}; then :; else`,
    sh`  muster_warn ${`${service.name} did not stop within ${STOP_TIMEOUT_S}s; going on`}; muster_exit_at_least 3`,
    "fi",
  ].join("\n");
}
