import type { CommonOptions } from "../commands/options.ts";
import { loadAnsibleConfig } from "../config/ansible_cfg.ts";
import type { RunReport } from "../engine/result.ts";
import { parseExtraVars } from "../inventory/extra_vars.ts";
import { readVault } from "../inventory/vault.ts";
import { appendJournal, journalPath, JournalRecorder } from "../report/journal.ts";
import type { CommonFlags } from "./common.ts";
import type { Io } from "./io.ts";
import { type FinishOptions, makeOutput } from "./output.ts";

/** What a command's action gets: the common options as the library takes them. */
export interface CommandContext {
  common: CommonOptions;
}

/** The exit code of the last command run (the CLI entry exits with it). */
export const exitState = { code: 0 };

/** The command line being run, as the journal records it. */
export const invocation = { argv: [] as string[] };

/**
 * Runs a command's library function with the common options wired: extra vars, Ctrl-C
 * (the first stops new hosts from starting, the second exits), progress, recap and report.
 */
export async function runCommand(
  io: Io,
  flags: CommonFlags,
  run: (context: CommandContext) => Promise<RunReport>,
  options: FinishOptions = {},
): Promise<void> {
  const output = makeOutput(io, flags);
  const journal = new JournalRecorder();
  const controller = new AbortController();
  let interrupts = 0;
  const onInterrupt = () => {
    if (++interrupts > 1) Deno.exit(130);
    controller.abort();
    io.err(
      "\nInterrupted: no new host will start; waiting for running commands (Ctrl-C again to exit now)\n",
    );
  };
  try {
    Deno.addSignalListener("SIGINT", onInterrupt);
  } catch { /* not a process that can listen (tests) */ }
  try {
    // ansible.cfg's settings are defaults: the command line and the inventory win.
    const config = await loadAnsibleConfig({ env: { get: (key) => io.env(key) } });
    const vault = await readVault({
      ids: flags.vaultId,
      passwordFiles: flags.vaultPasswordFile.length || !config.vaultPasswordFile
        ? flags.vaultPasswordFile
        : [config.vaultPasswordFile],
      env: { get: io.env },
    });
    const common: CommonOptions = {
      app: flags.app,
      vault,
      inventory: flags.inventory.length ? flags.inventory : config.inventory ?? [],
      limit: flags.limit,
      forks: flags.forks ?? config.forks ?? 50,
      serial: flags.serial,
      maxFailPercent: flags.maxFailPercent,
      extraVars: await parseExtraVars(flags.extraVars, { vault }),
      hostKeyChecking: flags.hostKeyChecking ?? (config.hostKeyChecking === false ? "off" : "accept-new"),
      connectTimeoutMs: config.timeout ? config.timeout * 1000 : undefined,
      connectionDefaults: config.connection,
      hostTimeoutMs: flags.timeout ? flags.timeout * 1000 : undefined,
      argv: invocation.argv,
      signal: controller.signal,
      emit: (event) => {
        journal.onEvent(event);
        output.emit(event);
      },
    };
    const report = await run({ common });
    if (controller.signal.aborted) report.exitCode = Math.max(report.exitCode, 130);
    exitState.code = await output.finish(report, options);
    await appendJournal(journalPath({ get: io.env }), journal.entry(report, invocation.argv, Deno.cwd()))
      .catch((error) => io.err(`warning: cannot write the run journal: ${error.message}\n`));
  } catch (error) {
    exitState.code = output.fail(error);
  } finally {
    try {
      Deno.removeSignalListener("SIGINT", onInterrupt);
    } catch { /* see above */ }
  }
}
