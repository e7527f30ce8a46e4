/** Helpers of `uninstall_test.ts`: run muster, checksum trees on fleet hosts, drive a prompt in tmux. */
import { fileURLToPath } from "node:url";
import type { FleetHost } from "../fleet/fleet.ts";

/** The repository's CLI entry. */
export const MOD = fileURLToPath(new URL("../../mod.ts", import.meta.url));
const FIXTURE = fileURLToPath(new URL("../fixtures/flame", import.meta.url));

/** What one muster run did. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** Both streams, for messages. */
  output: string;
}

/** Runs `muster ARGS` as a separate process (no terminal), as an operator's script would. */
export async function muster(args: string[]): Promise<Run> {
  const out = await new Deno.Command("deno", {
    args: ["run", "-A", MOD, ...args],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  const [stdout, stderr] = [decoder.decode(out.stdout), decoder.decode(out.stderr)];
  return { code: out.code, stdout, stderr, output: `${stdout}\n${stderr}` };
}

/** Copies the Flame test fixture outside /tmp and builds it once; returns its directory. */
export async function buildFixture(): Promise<string> {
  const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "muster-uninstall-src-" });
  const src = `${dir}/flame`;
  const out = await new Deno.Command("sh", {
    args: [
      "-c",
      'cp -a "$1" "$2" && rm -rf "$2/target" && cd "$2" && cargo build --release --offline -q',
      "sh",
      FIXTURE,
      src,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`Cannot build the fixture: ${new TextDecoder().decode(out.stderr)}`);
  return src;
}

/** Runs a shell script on a fleet host as root and fails the test when it fails. */
export async function onHost(host: FleetHost, script: string): Promise<string> {
  const result = await host.sh(script);
  if (result.code !== 0) throw new Error(`On ${host.name}: ${script}\nexit ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/**
 * A checksum of a tree on a host: every entry's type, mode, owner, size and symlink target,
 * and every regular file's content (or only the metadata, for big system trees).
 */
export function treeSum(host: FleetHost, path: string, options: { content?: boolean } = {}): Promise<string> {
  const meta = `find "$1" -xdev -printf '%y %m %U:%G %s %T@ %p -> %l\\n' 2>/dev/null`;
  const content = `find "$1" -xdev -type f -exec sha256sum {} + 2>/dev/null | LC_ALL=C sort -k2`;
  // A big system tree: metadata (with mtimes) in directory order, which stays the same while nothing changes.
  const script = options.content === false ? meta : `{ ${meta} | LC_ALL=C sort; ${content}; }`;
  return host.exec(["sh", "-c", `${script} | sha256sum`, "sh", path]).then((r) => r.stdout.trim());
}

/** Whether a path exists on the host (without following a final symlink). */
export async function exists(host: FleetHost, path: string): Promise<boolean> {
  return (await host.exec(["sh", "-c", '[ -e "$1" ] || [ -L "$1" ]', "sh", path])).code === 0;
}

/** SHA-256 of every regular file under `dir`, by path relative to it. */
export async function sums(host: FleetHost, dir: string): Promise<Map<string, string>> {
  const out = await onHost(host, `cd '${dir}' && find . -type f -print0 | xargs -0r sha256sum`);
  return new Map(
    out.trim().split("\n").filter(Boolean).map((
      line,
    ) => [line.slice(66).replace(/^\.\//, ""), line.slice(0, 64)]),
  );
}

/** A muster run inside tmux, on a real terminal, whose screen the test reads and types into. */
export class TmuxRun {
  readonly #socket: string;
  readonly #session = "muster";
  readonly #exitFile: string;

  private constructor(socket: string, exitFile: string) {
    this.#socket = socket;
    this.#exitFile = exitFile;
  }

  /** Starts `muster ARGS` in a new tmux session (200x50). */
  static async start(args: string[], workDir: string): Promise<TmuxRun> {
    const socket = `muster-uninstall-${crypto.randomUUID().slice(0, 8)}`;
    const exitFile = `${workDir}/${socket}.exit`;
    const quoted = ["deno", "run", "-A", MOD, ...args].map((a) => `'${a.replaceAll("'", `'"'"'`)}'`).join(
      " ",
    );
    const run = new TmuxRun(socket, exitFile);
    await run.#tmux([
      "new-session",
      "-d",
      "-s",
      run.#session,
      "-x",
      "200",
      "-y",
      "50",
      `NO_COLOR=1 ${quoted}; echo $? > '${exitFile}'; sleep 600`,
    ]);
    return run;
  }

  /** The whole screen and scrollback. */
  async screen(): Promise<string> {
    return await this.#tmux(["capture-pane", "-p", "-J", "-S", "-2000", "-t", this.#session]);
  }

  /** Waits until the screen shows `text`. */
  async waitFor(text: string, timeoutMs = 30_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const screen = await this.screen();
      if (screen.includes(text)) return screen;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`tmux: '${text}' did not appear; screen:\n${await this.screen()}`);
  }

  /** Types a line. */
  async type(line: string): Promise<void> {
    await this.#tmux(["send-keys", "-t", this.#session, "-l", line]);
    await this.#tmux(["send-keys", "-t", this.#session, "Enter"]);
  }

  /** Waits for muster to exit and returns its exit code. */
  async exitCode(timeoutMs = 60_000): Promise<number> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const text = await Deno.readTextFile(this.#exitFile).catch(() => "");
      if (text.trim()) return Number(text.trim());
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`tmux: muster did not exit; screen:\n${await this.screen()}`);
  }

  /** Ends the tmux server of this run. */
  async stop(): Promise<void> {
    await this.#tmux(["kill-server"]).catch(() => {});
    await Deno.remove(this.#exitFile).catch(() => {});
  }

  async #tmux(args: string[]): Promise<string> {
    const out = await new Deno.Command("tmux", {
      args: ["-L", this.#socket, ...args],
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    if (!out.success) throw new Error(`tmux ${args[0]}: ${new TextDecoder().decode(out.stderr)}`);
    return new TextDecoder().decode(out.stdout);
  }
}
