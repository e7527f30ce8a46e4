import { shOp } from "../../src/engine/change.ts";
import type { Step } from "../../src/engine/step.ts";
import { accountFact, identityFact } from "../../src/facts/identity.ts";
import type { AppSpec } from "../../src/app/spec.ts";
import { raw, sh } from "../../src/transport/quote.ts";

/**
 * `user`: for system-wide installs (commands run as root), the app's system group and user
 * (its home, no login shell) exist. User-local installs need neither.
 */
export function userStep(spec: AppSpec): Step {
  const name = spec.serviceUser;
  const home = spec.app.definition.user.home;
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
      const useradd = (groupOption: string) =>
        shOp(
          sh`useradd --system ${
            raw(groupOption)
          } --home-dir ${home} --create-home --shell /usr/sbin/nologin ${name}`,
        );
      if (!group) {
        // Neither exists: one useradd makes both (--user-group: a system group of the
        // user's name); groupadd and useradd each start several processes.
        changes.push({
          action: "create" as const,
          target: `group ${name}`,
          ops: [user ? shOp(sh`groupadd --system ${name}`) : useradd("--user-group")],
        });
      }
      if (!user) {
        changes.push({
          action: "create" as const,
          target: `user ${name}`,
          detail: `home ${home}, no login shell`,
          ops: [group ? useradd(sh`--gid ${name}`) : shOp("# made with its group above")],
        });
      }
      return changes;
    },
  };
}
