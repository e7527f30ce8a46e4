import { Command } from "@commander-js/extra-typings";
import { join } from "node:path";
import { reportsDir } from "../../report/journal.ts";
import type { Io } from "../io.ts";
import { exitState } from "../run.ts";

/** `muster report`: the HTML reports kept beside the journal, one per run. */
export function reportCommand(io: Io) {
  return new Command("report")
    .description("the HTML report of past runs (one is kept beside the journal for every run)")
    .option("--open-last", "print the path of the last run's HTML report", false)
    .action(async (flags) => {
      if (!flags.openLast) {
        io.err("error: say which report: --open-last\n");
        exitState.code = 1;
        return;
      }
      const last = await lastHtmlReport(reportsDir({ get: io.env }));
      if (!last) {
        io.err("error: No HTML report yet: run a command first (muster install, status, ...)\n");
        exitState.code = 1;
        return;
      }
      io.out(last + "\n");
    });
}

/** The newest HTML report in `dir` (their names start with the run's start time), if any. */
export async function lastHtmlReport(dir: string): Promise<string | undefined> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) if (entry.name.endsWith(".html")) names.push(entry.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const last = names.sort().at(-1);
  return last ? join(dir, last) : undefined;
}
