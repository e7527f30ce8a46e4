import { UsageError } from "../engine/errors.ts";
import { hostsToResume, journalPath, lastRun } from "../report/journal.ts";
import type { Io } from "./io.ts";

const RESUMABLE = ["install", "uninstall"];

/**
 * `--resume`: the command line of the last run, limited to the hosts that failed, were
 * unreachable or never started. Returns the argv to run (and the directory to run it
 * in), or a message when there is nothing to resume.
 */
export async function resumeArgv(
  argv: string[],
  io: Io,
): Promise<{ argv: string[]; cwd: string } | { nothing: string }> {
  const command = RESUMABLE.includes(argv[0]) ? argv[0] : undefined;
  const { output, others } = outputOptions(argv.filter((arg) => arg !== "--resume" && arg !== command));
  if (others.length > 0) {
    throw new UsageError(
      `--resume reruns the last run as it was; besides output options it takes none (got ${
        others.join(" ")
      })`,
    );
  }
  const path = journalPath({ get: io.env });
  const entry = await lastRun(path, command);
  if (!entry) {
    throw new UsageError(`Nothing to resume: no earlier ${command ?? "install or uninstall"} run in ${path}`);
  }
  const hosts = hostsToResume(entry);
  if (hosts.length === 0) {
    return {
      nothing: `Nothing to resume: every host of the last ${entry.command} (${entry.startedAt}) succeeded`,
    };
  }
  io.err(`Resuming 'muster ${entry.argv.join(" ")}' (${entry.startedAt}) on ${hosts.join(", ")}\n`);
  return { argv: [...withoutLimit(entry.argv), "--limit", hosts.join(","), ...output], cwd: entry.cwd };
}

/** Drops `-l X`, `--limit X` and `--limit=X` from a command line. */
export function withoutLimit(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "-l" || argv[i] === "--limit") i++;
    else if (!argv[i].startsWith("--limit=")) out.push(argv[i]);
  }
  return out;
}

const OUTPUT_WITH_VALUE = ["--report", "--format"];
const OUTPUT_FLAGS = ["--no-color", "-v", "--verbose"];

/** Splits options that only change output (allowed with `--resume`) from the rest. */
export function outputOptions(args: string[]): { output: string[]; others: string[] } {
  const output: string[] = [];
  const others: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (OUTPUT_WITH_VALUE.includes(args[i]) && i + 1 < args.length) output.push(args[i], args[++i]);
    else if (OUTPUT_FLAGS.includes(args[i]) || OUTPUT_WITH_VALUE.some((o) => args[i].startsWith(`${o}=`))) {
      output.push(args[i]);
    } else others.push(args[i]);
  }
  return { output, others };
}
