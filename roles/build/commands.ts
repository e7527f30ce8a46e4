/**
 * An app's own build commands (`build.commands`): plain shell run once in the source
 * directory on the controller, before cargo and the wheels, in order. Their output goes to
 * the build log and, with --verbose, to the screen; one that fails stops the build (exit 2).
 */
import { BuildError } from "../../src/engine/errors.ts";
import type { Emit } from "../../src/engine/events.ts";
import { type BuildLog, Tail } from "./build_log.ts";
import { streamLines } from "./process.ts";

/** Runs each command with `sh -c` in `dir`; throws a `BuildError` with its last lines when one fails. */
export async function runBuildCommands(
  commands: readonly string[],
  options: { dir: string; log: BuildLog; emit: Emit; verbose: boolean; signal?: AbortSignal },
): Promise<void> {
  const { log, emit } = options;
  for (const command of commands) {
    const tail = new Tail(20);
    log.line(`$ ${command}`);
    emit({ type: "message", level: "info", text: `Running ${command}` });
    const code = await streamLines("sh", ["-c", command], {
      cwd: options.dir,
      signal: options.signal,
      onLine: (line) => {
        log.line(line);
        tail.push(line);
        emit({ type: "build-output", line });
      },
    });
    log.line(`# exited with code ${code}`);
    if (code !== 0) {
      throw new BuildError(
        `Build command failed with exit ${code}: ${command}; last lines of its output:\n${
          tail.lines.join("\n")
        }`,
        {
          logFile: log.path,
          hint: `For the full output see ${log.path}${options.verbose ? "" : ", or rerun with --verbose"}`,
        },
      );
    }
  }
}
