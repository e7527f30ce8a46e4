/**
 * muster: an Ansible-style orchestration tool that installs and runs the Flame stack on
 * one machine or a fleet. This module is the public API and the CLI entry point.
 *
 * @module
 */
export { install, type InstallOptions } from "./src/commands/install.ts";
export { uninstall, type UninstallOptions } from "./src/commands/uninstall.ts";
export { status, type StatusOptions, type StatusReport } from "./src/commands/status.ts";
export { validate, type ValidateOptions, type ValidateReport } from "./src/commands/validate.ts";
export { discover, type DiscoverOptions, type DiscoverReport } from "./src/commands/discover.ts";
export type { HostResult, RunReport, StepResult } from "./src/engine/result.ts";
export { MusterError } from "./src/engine/errors.ts";
export { loadInventory } from "./src/inventory/load.ts";
export { selectHosts } from "./src/inventory/patterns.ts";

import { main } from "./src/cli/program.ts";

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
