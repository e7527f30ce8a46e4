import type { Io } from "./io.ts";

/** An `Io` that records what the CLI writes, for tests. */
export function recordingIo(
  options: { answers?: string[]; env?: Record<string, string>; tty?: boolean } = {},
) {
  const out: string[] = [];
  const err: string[] = [];
  const answers = [...(options.answers ?? [])];
  const io: Io = {
    out: (text) => void out.push(text),
    err: (text) => void err.push(text),
    stdoutTty: options.tty ?? false,
    stderrTty: options.tty ?? false,
    stdinTty: options.tty ?? false,
    env: (key) => options.env?.[key],
    prompt: (question) => {
      err.push(question);
      return Promise.resolve(answers.shift());
    },
  };
  return { io, stdout: () => out.join(""), stderr: () => err.join("") };
}
