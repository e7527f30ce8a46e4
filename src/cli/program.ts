import { Command, CommanderError } from "@commander-js/extra-typings";
import config from "../../deno.json" with { type: "json" };
import { appsCommand } from "./commands/apps.ts";
import { discoverCommand } from "./commands/discover.ts";
import { installCommand } from "./commands/install.ts";
import { inventoryCommand } from "./commands/inventory.ts";
import { auditCommand, lockCommand } from "./commands/lock.ts";
import { releasesCommand, rollbackCommand } from "./commands/rollback.ts";
import { pendingCommands } from "./commands/pending.ts";
import { reportCommand } from "./commands/report.ts";
import { statusCommand } from "./commands/status.ts";
import { uninstallCommand } from "./commands/uninstall.ts";
import { validateCommand } from "./commands/validate.ts";
import { type Io, processIo } from "./io.ts";
import { MusterError } from "../engine/errors.ts";
import { resumeArgv } from "./resume.ts";
import { exitState, invocation } from "./run.ts";

/** The `muster` command line. */
export function buildProgram(io: Io): Command {
  const program = new Command("muster")
    .description(
      "Install and run applications (Flame first) on one machine or a fleet, from an Ansible inventory",
    )
    .version(config.version)
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  program.addCommand(installCommand(io));
  program.addCommand(uninstallCommand(io));
  program.addCommand(statusCommand(io) as unknown as Command);
  program.addCommand(validateCommand(io) as unknown as Command);
  program.addCommand(discoverCommand(io) as unknown as Command);
  program.addCommand(rollbackCommand(io) as unknown as Command);
  program.addCommand(releasesCommand(io) as unknown as Command);
  program.addCommand(lockCommand(io) as unknown as Command);
  program.addCommand(auditCommand(io) as unknown as Command);
  for (const command of pendingCommands(io)) program.addCommand(command);
  program.addCommand(inventoryCommand(io));
  program.addCommand(appsCommand(io) as unknown as Command);
  program.addCommand(reportCommand(io) as unknown as Command);
  const wire = (command: Command, path: string) => {
    command.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err })
      .showHelpAfterError(`(run muster ${path} --help for usage)`);
    for (const sub of command.commands) wire(sub as Command, `${path} ${sub.name()}`);
  };
  for (const command of program.commands) wire(command as Command, command.name());
  return program as unknown as Command;
}

/** Runs muster with `argv` (without the program name) and returns the exit code. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  exitState.code = 0;
  try {
    if (argv.includes("--resume")) {
      const resumed = await resumeArgv(argv, io);
      if ("nothing" in resumed) {
        io.out(resumed.nothing + "\n");
        return 0;
      }
      Deno.chdir(resumed.cwd);
      argv = resumed.argv;
    }
    invocation.argv = argv;
    await buildProgram(io).parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof MusterError) {
      io.err(`error: ${error.message}\n`);
      return error.exitCode;
    }
    if (!(error instanceof CommanderError)) throw error;
    // --help and --version exit 0; usage errors (already printed by commander) exit 1.
    return error.exitCode === 0 ? 0 : 1;
  }
  return exitState.code;
}
