import { MusterError, UninstallExit } from "../../src/engine/errors.ts";
import type { Step } from "../../src/engine/step.ts";
import { identityFact } from "../../src/facts/identity.ts";
import type { App } from "../../src/app/app.ts";
import { SYSTEM_PATHS } from "../../src/app/prefix.ts";
import { artifactDir, type Installation, installationFact } from "./facts.ts";
import type { UninstallSpec } from "./spec.ts";

const SUDO_HINT = "run muster with sudo, or set ansible_become for the host";

/** Whether anything is installed at the prefix: false when it is missing or an empty directory. */
export function installed(installation: Installation): boolean {
  return installation.kind !== undefined &&
    !(installation.kind === "directory" && installation.entries.length === 0);
}

/** The app's artifacts found in their directory (`bin/`). */
export function appBinaries(app: App, installation: Installation): string[] {
  return installation.bin.filter((entry) => entry.type === "f" && app.artifacts.includes(entry.name))
    .map((entry) => entry.name);
}

/**
 * The host-side safety checks (RFE333 "Uninstall Safety Checks"), from facts: the prefix is
 * a real directory (not a symlink, not reached through one), does not resolve to a system
 * path, looks like an installation of the app, and can be removed by the user muster runs as.
 * Throws a `MusterError` with the exit code it means; a missing prefix passes (nothing to do).
 */
export function checkInstallation(spec: UninstallSpec, installation: Installation, uid: number): void {
  const { prefix } = spec;
  if (!installed(installation)) return;
  const fail = (message: string, hint?: string): never => {
    throw new MusterError(
      `Cannot uninstall ${prefix}: ${message}`,
      UninstallExit.usage,
      hint ? { hint } : {},
    );
  };
  if (installation.kind === "symbolic link") {
    fail(
      `it is a symlink to '${installation.linkTarget ?? "?"}'; symlinks are never followed`,
      "pass the installation's real directory with --prefix",
    );
  }
  if (installation.kind !== "directory") fail(`it is not a directory (${installation.kind})`);
  const resolved = installation.resolved;
  if (resolved !== undefined && SYSTEM_PATHS.includes(resolved)) {
    fail(`it resolves to the system path '${resolved}'`);
  }
  if (resolved !== prefix) {
    fail(
      `it resolves to '${resolved ?? "?"}' through a symlink; symlinks are never followed`,
      "pass the resolved path with --prefix if that is the Flame installation",
    );
  }
  const { app } = spec;
  if (appBinaries(app, installation).length === 0 && installation.markers.length === 0) {
    const markers = app.definition.uninstall.markers;
    const missing = [
      ...(app.artifacts.length ? [`no ${app.title} binary in ${artifactDir(app)}/`] : []),
      ...markers.slice(0, -1).map((marker) => `no ${marker}`),
    ];
    const last = markers.at(-1);
    fail(
      `it does not look like a${/^[aeiou]/i.test(app.title) ? "n" : ""} ${app.title} installation (` +
        (last ? `${missing.join(", ")}${missing.length ? " or " : "no "}${last}` : missing.join(", ")) + ")",
      `check --prefix (or ${app.varName("prefix")} in the inventory)`,
    );
  }
  if (uid !== 0 && (installation.foreign !== undefined || !installation.writable)) {
    const what = installation.foreign !== undefined
      ? `'${installation.foreign}' belongs to another user`
      : `it or its parent directory is not writable`;
    throw new MusterError(`Permission denied: cannot remove ${prefix}: ${what}`, UninstallExit.permission, {
      hint: SUDO_HINT,
    });
  }
}

/** `uninstall`: the safety checks; they change nothing, and a failure stops the host before anything runs. */
export function checksStep(spec: UninstallSpec): Step {
  const installation = installationFact(spec.prefix, spec.app);
  return {
    role: "uninstall",
    name: "checks",
    exitCode: UninstallExit.usage,
    facts: [installation, identityFact],
    plan(facts) {
      checkInstallation(spec, facts.get(installation), facts.get(identityFact).uid);
      return [];
    },
  };
}

export { SUDO_HINT };
