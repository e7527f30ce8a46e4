import { shOp } from "../../src/engine/change.ts";
import { MusterError, UninstallExit } from "../../src/engine/errors.ts";
import type { Facts } from "../../src/engine/fact.ts";
import type { Step } from "../../src/engine/step.ts";
import { accountFact, identityFact, processesFact } from "../../src/facts/identity.ts";
import { overlay, render } from "../../src/template/render.ts";
import { sh } from "../../src/transport/quote.ts";
import { SUDO_HINT } from "./checks.ts";
import { ownServices } from "./services.ts";
import type { UninstallSpec } from "./spec.ts";

/**
 * The processes running as the service user that uninstall does not stop itself: every one
 * except the installation's own services (the services step stops those first).
 */
export function otherProcesses(facts: Facts, spec: UninstallSpec): string[] {
  const services = ownServices(facts, spec.app, spec.prefix).flatMap((service) => {
    try {
      const vars = overlay(spec.vars, { [spec.app.varName("prefix")]: spec.prefix });
      return [render(service.exec, vars, `services.${service.name}.exec`).trim().split(/\s+/)[0]];
    } catch {
      return [];
    }
  });
  return facts.get(processesFact(spec.serviceUser)).filter((line) => {
    const command = line.replace(/^\d+\s+/, "").split(/\s+/)[0];
    return !services.includes(command);
  });
}

/**
 * `uninstall --remove-user`: remove the service user and group, only when no process runs
 * as that user, checked again right before `userdel`. Otherwise, or when `userdel` fails,
 * warn and go on (RFE333: non-critical). The home directory is kept.
 */
export function userStep(spec: UninstallSpec): Step {
  const name = spec.serviceUser;
  const account = accountFact(name);
  const processes = processesFact(name);
  return {
    role: "uninstall",
    name: "user",
    // Expected failures (a process, userdel refusing) are warnings; only a broken script fails the step.
    exitCode: UninstallExit.failure,
    facts: [identityFact, account, processes],
    plan(facts) {
      if (!spec.removeUser) return [];
      const { user, group } = facts.get(account);
      if (!user && !group) return [];
      if (facts.get(identityFact).uid !== 0) {
        throw new MusterError(
          `Permission denied: removing user ${name} needs root`,
          UninstallExit.permission,
          {
            hint: SUDO_HINT,
          },
        );
      }
      const others = otherProcesses(facts, spec);
      const what = [user ? `user ${name}` : "", group ? `group ${name}` : ""].filter(Boolean).join(" and ");
      const detail = others.length
        ? `only if no process runs as ${name}; now: ${others.slice(0, 3).join("; ")}`
        : `${user ? `home ${user.home || spec.app.definition.user.home} is kept` : ""}`;
      return [{
        action: "remove",
        target: what,
        ...(detail ? { detail } : {}),
        ops: [shOp(removeScript(name))],
      }];
    },
  };
}

/** Shell that removes the user and group unless a process runs as the user; failures are warnings. */
export function removeScript(name: string): string {
  return [
    sh`muster_procs=$(ps -o pid=,args= -u ${name} 2>/dev/null | head -n 5 | sed 's/^ *//' | tr '\\n' ';' || true)`,
    'if [ -n "$muster_procs" ]; then',
    sh`  muster_warn ${`user ${name} kept: processes run as ${name}:`} "$muster_procs"`,
    "else",
    sh`  if getent passwd ${name} >/dev/null; then`,
    sh`    muster_out=$(userdel ${name} 2>&1) || muster_warn ${`user ${name} kept: userdel failed:`} "$muster_out"`,
    "  fi",
    sh`  if getent group ${name} >/dev/null; then`,
    sh`    muster_out=$(groupdel ${name} 2>&1) || muster_warn ${`group ${name} kept: groupdel failed:`} "$muster_out"`,
    "  fi",
    "fi",
  ].join("\n");
}
