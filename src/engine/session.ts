/**
 * A host's one shell for a run: one command (through `become`: one `sudo`) that gathers the
 * facts, says it is done, and waits on its standard input for what comes next. Nothing (the
 * input ends: a dry run, a host with nothing to change) ends it; else one line, the command
 * that applies, followed by that command's own input (the bundle of `bundle.ts`, or the
 * script). Where the facts and the apply each took an SSH session and a `sudo` of their own,
 * a changing host now starts one of each.
 *
 * The shell reads its script from standard input, and dash reads ahead what is there: the
 * script is one function, so that the shell has read all of it before the facts end, and
 * the next line is only sent once they have. The shell's own `read` takes that line a byte
 * at a time, so the command it runs reads its input from the line's end.
 */
import type { InputPiece, RunOptions, RunResult, Transport } from "../transport/transport.ts";
import { marker } from "./gather.ts";

/** What the session runs after the facts. */
interface Next {
  /** One line of shell. */
  command: string;
  input: string | Iterable<InputPiece>;
  onStdout?: (chunk: string) => void;
  onInputSent?: () => void;
}

/** The shell of a session: the facts' script, then the wait for the next command. */
export function sessionScript(gather: string, nonce: string): string {
  return [
    "muster_session() {",
    // The facts never read the session's input: what comes next is not theirs.
    "{",
    gather,
    "} </dev/null",
    `printf '\\n%s\\n' '${marker(nonce, "facts-end")}'`,
    "IFS= read -r muster_next || exit 0",
    'eval "$muster_next"',
    "}",
    "muster_session",
    "",
  ].join("\n");
}

/** A host's session, started: its facts, then `next()` or `end()`. */
export class HostSession {
  /** The facts' output, once they end; or, when the command ended before, its result. */
  readonly facts: Promise<{ stdout: string } | { ended: RunResult }>;
  readonly #done: Promise<RunResult>;
  readonly #end: string;
  #decide: (next: Next | undefined) => void = () => {};
  #next?: Next;
  #decided = false;
  #stdout = "";
  /** Where the facts' output ends in the session's standard output, once it has. */
  #factsEnd?: number;

  constructor(transport: Transport, gather: string, nonce: string, signal?: AbortSignal) {
    this.#end = `\n${marker(nonce, "facts-end")}\n`;
    const decision = new Promise<Next | undefined>((resolve) => this.#decide = resolve);
    let factsDone: (facts: { stdout: string } | { ended: RunResult }) => void = () => {};
    let factsFailed: (error: unknown) => void = () => {};
    this.facts = new Promise((resolve, reject) => {
      factsDone = resolve;
      factsFailed = reject;
    });
    const script = new TextEncoder().encode(sessionScript(gather, nonce));
    async function* input(): AsyncIterable<InputPiece> {
      yield script;
      const next = await decision;
      if (!next) return;
      yield new TextEncoder().encode(`${next.command}\n`);
      if (typeof next.input === "string") yield new TextEncoder().encode(next.input);
      else yield* next.input;
    }
    const options: RunOptions = {
      stdin: input(),
      signal,
      onInputSent: () => this.#next?.onInputSent?.(),
      onStdout: (chunk) => {
        if (this.#factsEnd !== undefined) return this.#next?.onStdout?.(chunk);
        this.#stdout += chunk;
        const at = this.#stdout.indexOf(this.#end);
        if (at < 0) return;
        this.#factsEnd = at + this.#end.length;
        factsDone({ stdout: this.#stdout.slice(0, at + 1) });
        const rest = this.#stdout.slice(this.#factsEnd);
        if (rest) this.#next?.onStdout?.(rest);
      },
    };
    this.#done = transport.run("sh -s", options).then((result) => {
      if (this.#factsEnd === undefined) factsDone({ ended: result });
      return result;
    });
    // A failure before the facts end is the facts' to report; after, the caller's.
    this.#done.catch((error) => {
      if (this.#factsEnd === undefined) factsFailed(error);
    });
    this.facts.catch(() => {});
  }

  /**
   * Runs `command` (one line) with `input` once the facts are in, and resolves with what it
   * did: its exit code, and the output written after the facts.
   */
  async next(
    command: string,
    input: string | Iterable<InputPiece>,
    options: { onStdout?: (chunk: string) => void; onInputSent?: () => void } = {},
  ): Promise<RunResult> {
    if (command.includes("\n")) throw new Error("A session's next command is one line");
    this.#decided = true;
    this.#next = { command, input, ...options };
    this.#decide(this.#next);
    const result = await this.#done;
    return { ...result, stdout: result.stdout.slice(this.#factsEnd ?? result.stdout.length) };
  }

  /** Ends the session: its input ends, and the shell with it. */
  async end(): Promise<void> {
    if (this.#decided) return;
    this.#decided = true;
    this.#decide(undefined);
    await this.#done.catch(() => {});
  }
}
