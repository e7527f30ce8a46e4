import { Command } from "@commander-js/extra-typings";
import type { Io } from "../io.ts";
import { exitState } from "../run.ts";

/** Commands whose roles are not built yet: they say so and exit 1, never a fake success. */
const PENDING: Array<{ name: string; description: string }> = [];

/** The commands still to come. */
export function pendingCommands(io: Io): Command[] {
  return PENDING.map(({ name, description }) =>
    new Command(name).description(`${description} (not available yet)`).allowUnknownOption()
      .allowExcessArguments()
      .action(() => {
        io.err(`error: muster ${name} is not available yet in this version\n`);
        exitState.code = 1;
      }) as unknown as Command
  );
}
