/**
 * `muster rollback`: puts a host back on a kept release (the previous one, or `--to` an id or
 * a version) from its store, without transferring anything, then restarts the services that
 * run and waits for their checks.
 */
import { InstallError } from "../../src/engine/errors.ts";
import { shOp } from "../../src/engine/change.ts";
import type { Step } from "../../src/engine/step.ts";
import type { AppSpec } from "../../src/app/spec.ts";
import { configuredSpec, keptFiles } from "../systemd/mod.ts";
import { systemctlAction, waitFor } from "../systemd/wait.ts";
import { releasesFact, servicesFact } from "./mod.ts";
import { installedId, type Release, releaseLabel, releaseShape, restoreScript } from "./store.ts";

/** Which release a rollback goes to: `to` (an id, its prefix, or a version), else the newest one not in place. */
export function rollbackTarget(
  releases: Release[],
  current: string | undefined,
  to?: string,
): Release | undefined {
  if (to === undefined) return releases.find((release) => release.id !== current);
  return releases.find((release) => release.id === to) ??
    releases.find((release) => release.version === to) ??
    releases.find((release) => release.id.startsWith(to));
}

/** `release/rollback`: the release put back from the store. */
export function rollbackStep(spec: AppSpec, options: { to?: string } = {}): Step {
  const store = releasesFact(spec);
  return {
    role: "release",
    name: "rollback",
    exitCode: 3,
    facts: [store],
    plan(facts) {
      const state = facts.get(store);
      const installed = installedId(state);
      const current = state.releases.find((release) => release.id === installed);
      const target = rollbackTarget(state.releases, installed, options.to);
      if (!target) {
        throw new InstallError(
          options.to === undefined
            ? `No release to roll back to in ${spec.prefix}/.releases (kept: ${
              state.releases.map(releaseLabel).join(", ") || "none"
            })`
            : `No kept release '${options.to}' in ${spec.prefix}/.releases (kept: ${
              state.releases.map(releaseLabel).join(", ") || "none"
            })`,
          { hint: "muster releases -i INV lists each host's kept releases" },
        );
      }
      if (target.id === installed) return [];
      return [{
        action: "change",
        target: "release",
        detail: `${releaseLabel(current ?? (installed ? { id: installed } : undefined))} -> ${
          releaseLabel(target)
        } (from the host's release store: nothing is uploaded)`,
        ops: [shOp(restoreScript(spec.prefix, target, releaseShape(spec)))],
      }];
    },
  };
}

/** `release/restart`: after a rollback, the host's services that run are restarted and checked. */
export function restartStep(spec: AppSpec): Step {
  const states = servicesFact(spec);
  const kept = keptFiles(spec);
  const services = spec.app.servicesFor(spec.profiles);
  return {
    role: "release",
    name: "restart",
    exitCode: 5,
    facts: spec.systemd && services.length ? [states, ...kept.map(({ content }) => content)] : [],
    plan(facts, earlier) {
      if (!spec.systemd || services.length === 0) return [];
      const rolled = earlier.some(({ step, changes }) =>
        step.name === "rollback" && changes.some((change) => change.ops.length > 0)
      );
      if (!rolled) return [];
      const found = facts.get(states).units;
      const checked = configuredSpec(spec, facts, kept);
      return services.filter((service) => {
        const state = found.get(service.name);
        return state?.active === "active" || state?.enabled === "enabled";
      }).map((service) => ({
        action: "change" as const,
        target: `service ${service.name}`,
        detail: "restart (its release changed)",
        ops: [
          shOp(systemctlAction(spec, service, "restart")),
          ...[service.ready, ...(service.health ?? [])].filter((check) => check !== undefined)
            .map((check) => shOp(waitFor(checked, service, check))),
        ],
      }));
    },
  };
}
