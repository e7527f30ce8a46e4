/**
 * Helpers for end-to-end tests: run muster as a user would (a subprocess of `mod.ts`),
 * and keep a copy of the Flame fixture that hosts of the test fleet can see.
 */
import { fileURLToPath } from "node:url";
import type { RunReport } from "../../src/engine/result.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const MOD = `${ROOT}mod.ts`;
const FIXTURE = `${ROOT}tests/fixtures/flame`;

/** What a muster run printed and returned. */
export interface MusterRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The JSON report, when the run wrote one. */
  report?: RunReport;
}

/**
 * The environment muster runs with in tests and the benchmark: NO_COLOR, and when `home` is
 * given, HOME (known_hosts, journal and logs live under it) with Deno's cache and rustup's
 * toolchain kept where this process has them.
 */
export function musterEnv(home?: string): Record<string, string> {
  if (!home) return { NO_COLOR: "1" };
  const own = Deno.env.get("HOME");
  return {
    NO_COLOR: "1",
    HOME: home,
    XDG_STATE_HOME: `${home}/.local/state`,
    DENO_DIR: Deno.env.get("DENO_DIR") ?? `${own}/.cache/deno`,
    RUSTUP_HOME: Deno.env.get("RUSTUP_HOME") ?? `${own}/.rustup`,
    CARGO_HOME: Deno.env.get("CARGO_HOME") ?? `${own}/.cargo`,
  };
}

/**
 * Runs `muster ARGS` with its JSON report captured. `home` becomes HOME (known_hosts,
 * journal and logs live under it).
 */
export async function muster(
  args: string[],
  options: { home?: string; env?: Record<string, string>; stdin?: string; signal?: AbortSignal } = {},
): Promise<MusterRun> {
  const reportFile = await Deno.makeTempFile({ prefix: "muster-report-", suffix: ".json" });
  try {
    const env = { ...musterEnv(options.home), ...options.env };
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", MOD, ...args, "--report", reportFile],
      env,
      stdin: options.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      signal: options.signal,
    }).spawn();
    if (options.stdin !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(options.stdin));
      await writer.close();
    }
    const out = await child.output();
    const text = await Deno.readTextFile(reportFile).catch(() => "");
    return {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
      report: text ? JSON.parse(text) : undefined,
    };
  } finally {
    await Deno.remove(reportFile).catch(() => {});
  }
}

/**
 * Copies the Flame fixture to a directory outside /tmp (fleet hosts have a private /tmp,
 * and tests may run muster inside a host), built once with cargo so later runs are warm.
 */
export async function fixtureCopy(): Promise<{ dir: string; [Symbol.asyncDispose](): Promise<void> }> {
  await Deno.mkdir("/var/tmp", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "muster-flame-" });
  await Deno.chmod(dir, 0o755);
  const cp = await new Deno.Command("cp", { args: ["-a", `${FIXTURE}/.`, dir] }).output();
  if (!cp.success) throw new Error(`cp failed: ${new TextDecoder().decode(cp.stderr)}`);
  await Deno.remove(`${dir}/target`, { recursive: true }).catch(() => {});
  return { dir, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }).catch(() => {}) };
}

/** Fails with the run's output when its exit code is not the expected one. */
export function expectExit(run: MusterRun, code: number): void {
  if (run.code !== code) {
    throw new Error(
      `expected exit ${code}, got ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`,
    );
  }
}

/**
 * The repository as the hosts of the test fleet can see it, to run muster inside a host.
 * Hosts have a private /tmp: a checkout under /tmp is copied to /var/tmp first.
 */
export async function hostVisibleRepo(): Promise<{ mod: string; [Symbol.asyncDispose](): Promise<void> }> {
  if (!ROOT.startsWith("/tmp/")) return { mod: MOD, [Symbol.asyncDispose]: () => Promise.resolve() };
  const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "muster-repo-" });
  await Deno.chmod(dir, 0o755);
  const parts = ["mod.ts", "deno.json", "deno.lock", "src", "roles", "apps", "inventories"].map((part) =>
    `${ROOT}${part}`
  );
  const cp = await new Deno.Command("cp", { args: ["-a", ...parts, dir] }).output();
  if (!cp.success) throw new Error(`cp failed: ${new TextDecoder().decode(cp.stderr)}`);
  return {
    mod: `${dir}/mod.ts`,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }).catch(() => {}),
  };
}
