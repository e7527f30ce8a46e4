/**
 * The benchmark's workload, the same for muster, the floor and Ansible: on every host the
 * `flame` user, the layout under `/usr/local/flame`, the four binaries of the profiles
 * `control-plane` and `cache` (each at least 8 MiB), `sbin/flmenv.sh`, the cluster
 * configuration and two systemd units (with a `daemon-reload`), then a check that each
 * binary runs `--version`. This is the "Flame-like install". The worker scenario
 * (issue 14) installs `WORKER_PROFILES` instead: as many binaries and units, plus the SDK.
 */
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { templateContext } from "../roles/install/files.ts";
import { unitFile } from "../roles/systemd/units.ts";
import { under, UNIT_DIR } from "../src/app/app.ts";
import { loadApp } from "../src/app/load.ts";
import { render } from "../src/template/render.ts";
import type { AppSpec } from "../src/app/spec.ts";

const flame = await loadApp("flame");

const FIXTURE = fileURLToPath(new URL("../tests/fixtures/flame", import.meta.url));

/** Profiles of every benchmark host: four binaries, two units, no SDK. */
export const PROFILES: string[] = ["control-plane", "cache"];
/** The binaries every host receives. */
export const BINARIES: string[] = flame.artifactsFor(PROFILES);
/** Where Flame goes (muster's default prefix). */
export const PREFIX = "/usr/local/flame";

/**
 * Profiles of the `worker` scenario's hosts: the profile with the Python SDK, plus `cache`, so
 * that they get as many binaries and units as the main workload (four, two) and the scenarios
 * differ by the SDK alone.
 */
export const WORKER_PROFILES: string[] = ["worker", "cache"];
/** The binaries every host of the `worker` scenario receives. */
export const WORKER_BINARIES: string[] = flame.artifactsFor(WORKER_PROFILES);
/** The Python SDK of the worker profile: where it goes (`dir`), where its wheel is kept (`wheels_dir`). */
export const SDK: ReturnType<typeof flame.packagesFor>[number] = flame.packagesFor(WORKER_PROFILES)[0];

/** A built Flame source whose binaries have a realistic size. */
export interface Source {
  /** The source directory, for `muster install --src-dir DIR --skip-build`. */
  dir: string;
  /** `DIR/target/release`: the binaries, for Ansible and the floor. */
  binDir: string;
  /** Size of each binary in bytes. */
  binarySize: number;
  /** Seconds cargo took (not part of any measurement). */
  buildSeconds: number;
}

/** What grows the binaries: bytes that compress like a release binary's, or random ones that do not. */
export type Padding = "realistic" | "random";

/**
 * Copies the Flame fixture into `dir`, builds it with cargo, and grows each built binary to
 * `binaryBytes` by appending deterministic bytes (an ELF binary still runs with trailing
 * bytes, so `--version` checks pass): `realistic` ones compress as release binaries do
 * (`releaseLike`), `random` ones not at all.
 */
export async function prepareSource(
  dir: string,
  binaryBytes: number,
  padding: Padding = "realistic",
): Promise<Source> {
  await command("cp", ["-a", `${FIXTURE}/.`, dir]);
  await Deno.remove(`${dir}/target`, { recursive: true }).catch(() => {});
  const started = performance.now();
  await command("cargo", ["build", "--release", "--offline", "--quiet"], dir);
  const buildSeconds = (performance.now() - started) / 1000;
  const source = { dir, binDir: `${dir}/target/release`, binarySize: binaryBytes, buildSeconds };
  await growBinaries(source, BINARIES, padding);
  return source;
}

/** `length` bytes of xorshift32 noise from `seed` (never 0): the same bytes on every run. */
export function noise(length: number, seed: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(length / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[i] = x;
  }
  return new Uint8Array(words.buffer, 0, length);
}

/**
 * `length` bytes from `seed` that compress like a release binary (gzip -6 keeps about 47% of
 * the padded binaries, a little more than the 39-44% it keeps of Debian's python3, ssh and
 * deno): blocks of 256 bytes, a quarter of them repeating a block of the last 16 KiB (as code
 * and tables repeat), the rest skewed noise (each bit set with probability 1/8, as in machine
 * code's many zero bits).
 */
export function releaseLike(length: number, seed: number): Uint8Array {
  const [a, b, c] = [seed, seed ^ 0x9e3779b9, seed ^ 0x85ebca6b].map((s) => noise(length, s >>> 0 || 1));
  const out = new Uint8Array(length);
  const block = 256;
  for (let at = 0; at < length; at += block) {
    const end = Math.min(length, at + block);
    if (a[at] < 64 && at >= 16 * 1024) {
      const from = at - block * (1 + (b[at] % 64));
      out.copyWithin(at, from, from + (end - at));
    } else {
      for (let i = at; i < end; i++) out[i] = a[i] & b[i] & c[i];
    }
  }
  return out;
}

function seedOf(name: string): number {
  let hash = 2166136261;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return hash || 1;
}

/**
 * The inventory variables of one host: its profiles, and endpoints on its own address (fleet
 * hosts share one network namespace). Ansible reads the same inventory.
 */
export function hostVars(address: string, profiles: string[] = PROFILES): Record<string, unknown> {
  return {
    flame_profiles: profiles,
    flame_endpoint: `http://${address}:8080`,
    flame_cache_endpoint: `grpc://${address}:9090`,
  };
}

/** The wanted state muster derives from `hostVars(address, profiles)` with `--no-enable`. */
export function flameSpecOf(address: string, profiles: string[] = PROFILES): AppSpec {
  const defaults = Object.fromEntries(
    Object.entries(flame.definition.vars).filter(([, decl]) => decl.default !== undefined)
      .map(([name, decl]) => [flame.varName(name), decl.default]),
  );
  return {
    app: flame,
    prefix: PREFIX,
    profiles,
    vars: {
      ...defaults,
      flame_prefix: PREFIX,
      flame_profiles: profiles,
      flame_endpoint: `http://${address}:8080`,
      flame_cache_endpoint: `grpc://${address}:9090`,
    },
    systemd: true,
    enable: false,
    clean: false,
    serviceUser: "flame",
    readyTimeoutS: 30,
    stamp: "",
  };
}

/** Options of `stageHost()`. */
export interface StageOptions {
  /** The host's profiles. @default PROFILES */
  profiles?: string[];
  /** A wheel of the profiles' SDK, kept in the SDK's `wheels_dir` as muster keeps it (for the floor's pip). */
  wheel?: string;
}

/**
 * Writes, under `root`, the files one host ends up with, as the floor sends them: the
 * prefix tree (`usr/local/flame`, binaries hard-linked from `binDir`) and the units
 * (`etc/systemd/system`), with their final modes. Generated files come from muster's own
 * templates, so the floor writes exactly what muster writes. With `wheel`, it is copied into
 * the SDK's wheels directory, from where the floor's pip installs it on the host.
 */
export async function stageHost(
  root: string,
  address: string,
  binDir: string,
  options: StageOptions = {},
): Promise<void> {
  const profiles = options.profiles ?? PROFILES;
  const spec = flameSpecOf(address, profiles);
  const prefix = `${root}${PREFIX}`;
  // The test fleet's hosts share the loopback network: their route to the cache is `lo`.
  const context = templateContext(spec, { get: <T>() => "lo" as T });
  for (const dir of flame.layout) {
    const path = under(prefix, dir.path);
    await Deno.mkdir(path, { recursive: true });
    await Deno.chmod(path, dir.mode);
  }
  for (const name of flame.artifactsFor(profiles)) {
    await Deno.link(`${binDir}/${name}`, `${prefix}/bin/${name}`);
  }
  for (const file of flame.definition.files ?? []) {
    const text = render(flame.template(file.template), context, file.template);
    await writeText(`${prefix}/${file.path}`, text, parseInt(file.mode ?? "0644", 8));
  }
  if (options.wheel) {
    // As muster keeps it: the directory 0755, the wheel 0644.
    const wheels = `${prefix}/${SDK.wheels_dir}`;
    await Deno.mkdir(wheels, { recursive: true });
    await Deno.chmod(wheels, 0o755);
    const kept = `${wheels}/${basename(options.wheel)}`;
    await Deno.copyFile(options.wheel, kept);
    await Deno.chmod(kept, 0o644);
  }
  await Deno.mkdir(`${root}${UNIT_DIR}`, { recursive: true });
  for (const service of flame.servicesFor(profiles)) {
    await writeText(`${root}${UNIT_DIR}/${service.name}.service`, unitFile(spec, service), 0o644);
  }
}

/**
 * Grows the built binaries `names` in `source.binDir` to `source.binarySize` with `padding`
 * (`prepareSource()` grows the main workload's; the worker scenario, its own); binaries
 * already grown are left alone.
 */
export async function growBinaries(
  source: Source,
  names: string[],
  padding: Padding = "realistic",
): Promise<void> {
  for (const name of names) {
    const path = `${source.binDir}/${name}`;
    const built = await Deno.readFile(path);
    if (built.length === source.binarySize) continue;
    if (built.length > source.binarySize) {
      throw new Error(`Cannot pad ${path}: it is already ${built.length} bytes`);
    }
    const padded = new Uint8Array(source.binarySize);
    padded.set(built);
    const grow = padding === "random" ? noise : releaseLike;
    padded.set(grow(source.binarySize - built.length, seedOf(name)), built.length);
    // cargo hard-links target/release/X to deps/: replace the link, never write through it.
    await Deno.remove(path);
    await Deno.writeFile(path, padded, { mode: 0o755 });
  }
}

async function writeText(path: string, text: string, mode: number): Promise<void> {
  await Deno.writeTextFile(path, text);
  await Deno.chmod(path, mode);
}

async function command(name: string, args: string[], cwd?: string): Promise<void> {
  const output = await new Deno.Command(name, { args, cwd, stdin: "null" }).output().catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    // sudo resets PATH: rustup's cargo (~/.cargo/bin) is not on root's.
    throw new Error(
      `${name} is not on PATH (${Deno.env.get("PATH")}); as root run the benchmark with your PATH and ` +
        `toolchain: sudo env PATH="$PATH" RUSTUP_HOME=~/.rustup CARGO_HOME=~/.cargo deno task bench`,
    );
  });
  if (!output.success) {
    throw new Error(`${name} ${args.join(" ")} failed: ${new TextDecoder().decode(output.stderr).trim()}`);
  }
}
