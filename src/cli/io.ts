/** Where the CLI writes, and what it knows of its terminal: injectable for tests. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whether stdout is a terminal. */
  stdoutTty: boolean;
  /** Whether stderr is a terminal (live progress goes there). */
  stderrTty: boolean;
  /** Whether stdin is a terminal (prompts). */
  stdinTty: boolean;
  env(key: string): string | undefined;
  /** Asks a question on the terminal and returns the answer (undefined at end of input). */
  prompt(question: string): Promise<string | undefined>;
}

const encoder = new TextEncoder();

/** The process's real terminal. */
export function processIo(): Io {
  return {
    out: (text) => Deno.stdout.writeSync(encoder.encode(text)),
    err: (text) => Deno.stderr.writeSync(encoder.encode(text)),
    stdoutTty: Deno.stdout.isTerminal(),
    stderrTty: Deno.stderr.isTerminal(),
    stdinTty: Deno.stdin.isTerminal(),
    env: (key) => Deno.env.get(key),
    prompt: async (question) => {
      Deno.stderr.writeSync(encoder.encode(question));
      const buffer = new Uint8Array(1024);
      let line = "";
      while (true) {
        const n = await Deno.stdin.read(buffer);
        if (n === null) return line || undefined;
        line += new TextDecoder().decode(buffer.subarray(0, n));
        if (line.includes("\n")) return line.split("\n")[0];
      }
    },
  };
}

/** Whether to colour output: not with `--no-color`, `NO_COLOR` or a non-TTY stdout. */
export function useColor(io: Io, flag: boolean): boolean {
  return flag && io.env("NO_COLOR") === undefined && io.stdoutTty;
}
