/**
 * A fact: a shell command run on the host and a pure parser of its output. The facts of
 * every step of a host are gathered in one remote command (`gather.ts`).
 */
export interface Fact<T> {
  /** Unique key; two facts with the same key are gathered once. */
  key: string;
  /**
   * POSIX shell run on the host (through `become` when the host has it), in the one shell
   * that gathers every fact: it must not exit, change directory or set shell options (it
   * runs in a subshell, `( … )`, if it must). Its standard error is dropped.
   */
  command: string;
  /**
   * Facts of one `kind` are gathered by a single command over all their items, one process
   * for them all: `command(items)`. Each fact then parses the whole output (and its code).
   */
  batch?: { kind: string; items: readonly string[]; command(items: readonly string[]): string };
  /** Parses the command's standard output and exit code. */
  parse(output: string, code: number): T;
}

/**
 * Shell that asks the host once who its script runs as (the effective uid): the fact and
 * apply scripts start with it. Read from the shell's own /proc/self/status by its `read`,
 * no process; where there is none, `id -u`.
 */
export const ASK_HOST_UID = "muster_uid=; if [ -r /proc/self/status ]; then " +
  'while read -r muster_key muster_real muster_uid muster_rest; do [ "$muster_key" != Uid: ] || break; ' +
  'muster_uid=; done < /proc/self/status; fi; [ -n "$muster_uid" ] || muster_uid=$(id -u)';

/**
 * The uid a host's script runs as, as a quoted shell word: asked once by the script
 * (`ASK_HOST_UID`), else, for a snippet run on its own, asked here.
 */
export const HOST_UID = '"${muster_uid:-$(id -u)}"';

/** The uid the facts' script ran as (it asks once): the apply script, run the same way, is told it. */
export const hostUidFact: Fact<number | undefined> = {
  key: "uid",
  command: `printf '%s\\n' "$muster_uid"`,
  parse: (output) => /^\d+$/.test(output.trim()) ? Number(output.trim()) : undefined,
};

/** Read access to gathered facts. */
export interface Facts {
  get<T>(fact: Fact<T>): T;
}

/** Facts from a map of raw outputs, parsed on first use. */
export class GatheredFacts implements Facts {
  readonly #raw: Map<string, { output: string; code: number }>;
  readonly #parsed = new Map<string, unknown>();
  constructor(raw: Map<string, { output: string; code: number }>) {
    this.#raw = raw;
  }
  get<T>(fact: Fact<T>): T {
    if (this.#parsed.has(fact.key)) return this.#parsed.get(fact.key) as T;
    const raw = this.#raw.get(fact.key);
    if (!raw) throw new Error(`Fact '${fact.key}' was not gathered`);
    const value = fact.parse(raw.output, raw.code);
    this.#parsed.set(fact.key, value);
    return value;
  }
}
