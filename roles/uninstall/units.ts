import { type Change, shOp } from "../../src/engine/change.ts";
import { MusterError, UninstallExit } from "../../src/engine/errors.ts";
import type { Step } from "../../src/engine/step.ts";
import { identityFact } from "../../src/facts/identity.ts";
import { UNIT_DIR } from "../../src/app/app.ts";
import { sh } from "../../src/transport/quote.ts";
import { SUDO_HINT } from "./checks.ts";
import { ownServices, unitFacts, unitPath } from "./services.ts";
import type { UninstallSpec } from "./spec.ts";

/**
 * `uninstall`: disable the installation's services, remove their unit files, then
 * `systemctl daemon-reload`. Units that run another prefix's binaries are left alone.
 */
export function unitsStep(spec: UninstallSpec): Step {
  const { contents, states } = unitFacts(spec.app);
  return {
    role: "uninstall",
    name: "units",
    exitCode: UninstallExit.failure,
    facts: [...contents.values(), states, identityFact],
    plan(facts) {
      const services = ownServices(facts, spec.app, spec.prefix);
      if (services.length === 0) return [];
      if (facts.get(identityFact).uid !== 0) {
        throw new MusterError(
          `Permission denied: removing ${unitPath(services[0])} needs root`,
          UninstallExit.permission,
          {
            hint: SUDO_HINT,
          },
        );
      }
      const systemctl = facts.get(states).systemctl;
      const changes: Change[] = services.map((service) => {
        const unit = `${service.name}.service`;
        return {
          action: "remove",
          target: unitPath(service),
          ...(systemctl ? { detail: "disabled first" } : {}),
          ops: [
            ...(systemctl ? [shOp(sh`systemctl disable ${unit} >/dev/null 2>&1 || true`)] : []),
            shOp(sh`rm -f -- ${unitPath(service)} ${`${UNIT_DIR}/multi-user.target.wants/${unit}`}`),
          ],
        };
      });
      if (systemctl) changes.at(-1)!.ops.push(shOp("systemctl daemon-reload"));
      return changes;
    },
  };
}
