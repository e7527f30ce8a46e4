import { shOp } from "../../src/engine/change.ts";
import type { Step } from "../../src/engine/step.ts";
import { accountFact, identityFact } from "../../src/facts/identity.ts";
import type { FlameSpec } from "../../src/flame/spec.ts";
import { sh } from "../../src/transport/quote.ts";

/** Home of the service user. */
export const SERVICE_HOME = "/var/lib/flame";

/**
 * `user`: for system-wide installs (commands run as root), the `flame` system group and
 * user (home `/var/lib/flame`, no login shell) exist. User-local installs need neither.
 */
export function userStep(spec: FlameSpec): Step {
  const name = spec.serviceUser;
  const account = accountFact(name);
  return {
    role: "user",
    name: "account",
    exitCode: 3,
    facts: [identityFact, account],
    plan(facts) {
      if (facts.get(identityFact).uid !== 0) return [];
      const { user, group } = facts.get(account);
      const changes = [];
      if (!group) {
        changes.push({
          action: "create" as const,
          target: `group ${name}`,
          ops: [shOp(sh`groupadd --system ${name}`)],
        });
      }
      if (!user) {
        changes.push({
          action: "create" as const,
          target: `user ${name}`,
          detail: `home ${SERVICE_HOME}, no login shell`,
          ops: [shOp(
            sh`useradd --system --gid ${name} --home-dir ${SERVICE_HOME} --create-home --shell /usr/sbin/nologin ${name}`,
          )],
        });
      }
      return changes;
    },
  };
}
