/** Helpers of the dry-run, status and discover tests: fingerprints of host trees, plan targets, built fixtures. */
import type { ReportedChange } from "../../src/engine/change.ts";
import type { HostResult } from "../../src/engine/result.ts";
import type { FleetHost } from "../fleet/fleet.ts";

/**
 * A fingerprint of everything an install or uninstall could touch on a host: every entry of
 * `paths` (type, mode, owner, size, symlink target, content of regular files) and of `/tmp`
 * (staging files). Two equal fingerprints mean nothing changed there.
 */
export async function treeHash(host: FleetHost, paths: string[]): Promise<string> {
  const script = [
    'for p in "$@" /tmp; do [ -e "$p" ] || [ -L "$p" ] || { echo "absent $p"; continue; }',
    "  find \"$p\" -xdev -printf '%y %m %u:%g %s %p -> %l\\n'",
    '  find "$p" -xdev -type f -exec sha256sum {} +',
    "done 2>/dev/null | LC_ALL=C sort | sha256sum",
  ].join("\n");
  const result = await host.exec(["sh", "-c", script, "sh", ...paths]);
  if (result.code !== 0) throw new Error(`treeHash on ${host.name}: ${result.stderr}`);
  return result.stdout.trim();
}

/** The trees an install with `prefix` touches. */
export function installTrees(prefix: string): string[] {
  return [prefix, "/etc/systemd/system", "/etc/passwd", "/etc/group", "/etc/shadow", "/var/lib/flame"];
}

/** Every path under `roots` on a host (directories without a trailing slash). */
export async function pathsUnder(host: FleetHost, roots: string[]): Promise<Set<string>> {
  const result = await host.exec(["sh", "-c", 'find "$@" -xdev 2>/dev/null; true', "sh", ...roots]);
  return new Set(result.stdout.split("\n").filter(Boolean));
}

/** A host's planned changes as comparable lines: `action target (detail)`. */
export function changeLines(host: HostResult, options: { details?: boolean } = {}): string[] {
  return host.steps.flatMap((step) =>
    step.changes.map((change: ReportedChange) =>
      `${change.action} ${change.target}${options.details && change.detail ? ` (${change.detail})` : ""}`
    )
  );
}

/** Builds a fixture copy with cargo, so that dry runs and status compare real checksums. */
export async function buildFixture(dir: string): Promise<void> {
  const out = await new Deno.Command("cargo", {
    args: ["build", "--release", "--offline", "-q"],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`cargo build failed: ${new TextDecoder().decode(out.stderr)}`);
}

/** Per-host endpoints on the host's own address (the hosts share one network namespace). */
export function endpoints(hosts: FleetHost[]): Record<string, Record<string, unknown>> {
  return Object.fromEntries(hosts.map((host) => [host.name, {
    flame_endpoint: `http://${host.address}:8080`,
    flame_cache_endpoint: `grpc://${host.address}:9090`,
  }]));
}
