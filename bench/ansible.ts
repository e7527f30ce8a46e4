/**
 * Ansible (`ansible-playbook` of Debian's ansible-core) running `ansible/playbook.yml`, the
 * same install as muster's, with Ansible's default settings or tuned ones.
 */
import { fileURLToPath } from "node:url";
import type { BenchContext } from "./context.ts";
import { type Timed, timed } from "./process.ts";

const DIR = fileURLToPath(new URL("ansible/", import.meta.url));

/** `default`: `ansible/default.cfg` (forks 5, no pipelining); `tuned`: `ansible/tuned.cfg` and forks. */
export type AnsibleSettings = "default" | "tuned";
/** Install on clean hosts, or the same playbook again. */
export type AnsibleCase = "fresh" | "noop";

/** One host's line of the PLAY RECAP. */
export interface Recap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
}

/** Forks of the tuned settings: one per host, at least 10. */
export function tunedForks(hosts: number): number {
  return Math.max(10, hosts);
}

/** Whether `ansible-playbook` can be run here, and its version line. */
export async function ansibleVersion(): Promise<string | undefined> {
  try {
    const output = await new Deno.Command("ansible-playbook", { args: ["--version"], stdin: "null" })
      .output();
    return output.success ? new TextDecoder().decode(output.stdout).split("\n")[0].trim() : undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

let runs = 0;

/**
 * Runs the playbook on every host of the fleet and measures its wall time. Each run starts
 * with no SSH master connection (its own ControlPath directory; the masters are closed
 * afterwards, outside the measurement), as muster starts with none. Throws when a host
 * fails, or when the PLAY RECAP contradicts the scenario (no change on a fresh run, a
 * change on a no-op run).
 */
export async function runAnsible(
  settings: AnsibleSettings,
  kind: AnsibleCase,
  context: BenchContext,
): Promise<Timed> {
  const { fleet } = context;
  const controlDir = `${context.work}/ansible-cp-${++runs}`;
  const args = ["-i", context.inventory, `${DIR}playbook.yml`];
  if (settings === "tuned") args.push("--forks", String(tunedForks(fleet.hosts.length)));
  const result = await timed("ansible-playbook", args, {
    env: {
      ANSIBLE_CONFIG: `${DIR}${settings}.cfg`,
      ANSIBLE_HOME: `${context.work}/ansible-home`,
      ANSIBLE_LOCAL_TEMP: `${context.work}/ansible-tmp`,
      ANSIBLE_SSH_CONTROL_PATH_DIR: controlDir,
      // OpenSSH reads ~/.ssh from passwd, not $HOME: point it at the fleet's known_hosts.
      ANSIBLE_SSH_COMMON_ARGS: `-F /dev/null -o UserKnownHostsFile=${fleet.knownHostsFile}`,
      ANSIBLE_NOCOLOR: "1",
      FLAME_BIN_DIR: context.source.binDir,
    },
  });
  await closeMasters(controlDir);
  const recap = parseRecap(result.stdout);
  const names = fleet.hosts.map((host) => host.name);
  const bad = names.filter((name) => {
    const line = recap.get(name);
    if (!line || line.failed > 0 || line.unreachable > 0) return true;
    return kind === "fresh" ? line.changed === 0 : line.changed > 0;
  });
  if (result.code !== 0 || bad.length > 0) {
    throw new Error(
      `ansible ${settings} ${kind}: exit ${result.code}, unexpected recap on ${
        bad.join(", ") || "no host"
      }\n` +
        `${result.stdout.slice(-4000)}\n${result.stderr.slice(-2000)}`,
    );
  }
  return result;
}

/**
 * Parses the PLAY RECAP of `ansible-playbook`'s default output.
 *
 * @example
 * ```ts
 * import { parseRecap } from "./ansible.ts";
 * const recap = parseRecap("host1 : ok=9 changed=8 unreachable=0 failed=0 skipped=0\n");
 * recap.get("host1")?.changed; // 8
 * ```
 */
export function parseRecap(stdout: string): Map<string, Recap> {
  const recap = new Map<string, Recap>();
  const line = /^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm;
  for (const match of stdout.matchAll(line)) {
    const [, host, ok, changed, unreachable, failed] = match;
    recap.set(host, {
      ok: Number(ok),
      changed: Number(changed),
      unreachable: Number(unreachable),
      failed: Number(failed),
    });
  }
  return recap;
}

/** Ends the SSH masters (ControlPersist) a run left in `dir`. */
async function closeMasters(dir: string): Promise<void> {
  const sockets: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) sockets.push(`${dir}/${entry.name}`);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  await Promise.all(sockets.map((socket) =>
    new Deno.Command("ssh", {
      args: ["-F", "/dev/null", "-o", `ControlPath=${socket}`, "-O", "exit", "closing-master"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output()
  ));
}
