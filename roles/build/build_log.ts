/**
 * The build log: the full output of every build command of a run, kept after the run so
 * that a failed build can be read offline.
 */

import { join } from "node:path";

/** An open build log. Lines are written synchronously so they keep their order. */
export class BuildLog {
  readonly #file: Deno.FsFile;
  readonly #encoder = new TextEncoder();

  private constructor(readonly path: string, file: Deno.FsFile) {
    this.#file = file;
  }

  /**
   * Creates a new log file in `dir`, or by default in `$XDG_STATE_HOME/muster/logs`
   * (`~/.local/state/muster/logs`), falling back to a temporary directory.
   */
  static async create(dir?: string): Promise<BuildLog> {
    const name = `build-${_stamp(new Date())}-${Deno.pid}.log`;
    if (dir) return await BuildLog.#open(dir, name);
    const state = _defaultDir();
    if (state) {
      try {
        return await BuildLog.#open(state, name);
      } catch {
        // An unwritable state directory (read-only home, sandbox): use a temporary one.
      }
    }
    return await BuildLog.#open(await Deno.makeTempDir({ prefix: "muster-build-" }), name);
  }

  static async #open(dir: string, name: string): Promise<BuildLog> {
    await Deno.mkdir(dir, { recursive: true });
    const path = join(dir, name);
    return new BuildLog(path, await Deno.open(path, { write: true, create: true, append: true }));
  }

  /** Appends one line. */
  line(text: string): void {
    const bytes = this.#encoder.encode(text + "\n");
    let written = 0;
    while (written < bytes.length) written += this.#file.writeSync(bytes.subarray(written));
  }

  /** Closes the file; safe to call twice. */
  close(): void {
    try {
      this.#file.close();
    } catch (error) {
      if (!(error instanceof Deno.errors.BadResource)) throw error;
    }
  }
}

function _defaultDir(): string | undefined {
  const state = Deno.env.get("XDG_STATE_HOME") ||
    (Deno.env.get("HOME") ? join(Deno.env.get("HOME")!, ".local", "state") : undefined);
  return state ? join(state, "muster", "logs") : undefined;
}

function _stamp(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-` +
    `${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
}

/** Keeps the last `size` lines written to it. */
export class Tail {
  readonly #lines: string[] = [];
  constructor(readonly size = 20) {}
  push(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > this.size) this.#lines.shift();
  }
  get lines(): string[] {
    return [...this.#lines];
  }
}
