/**
 * Work on fleet hosts outside any measurement, through the fleet's own door (`nsenter`, not
 * SSH): bring a host back to its state before any install, and take a fingerprint of what
 * an install left, to check that muster, the floor and Ansible end in the same state.
 */
import type { FleetHost } from "../tests/fleet/fleet.ts";
import { PREFIX, SDK } from "./workload.ts";

/**
 * Removes everything any of the benchmark's installs creates: the prefix (with the worker
 * scenario's SDK in it; its pip writes nothing elsewhere), the units, the flame account,
 * muster's state on the host (`/var/lib/muster`: checksum records, audit trail, locks) and
 * Ansible's remote temp dir.
 */
export async function resetHosts(hosts: FleetHost[]): Promise<void> {
  await Promise.all(hosts.map(async (host) => {
    const result = await host.sh(
      `rm -rf ${PREFIX} ${PREFIX}.backup.* /etc/systemd/system/flame-*.service /var/lib/muster ` +
        "/home/deploy/.ansible; " +
        "userdel -r flame >/dev/null 2>&1; groupdel flame >/dev/null 2>&1; " +
        `! getent passwd flame >/dev/null && ! test -e ${PREFIX}`,
    );
    if (result.code !== 0) throw new Error(`Cannot reset ${host.name}: ${result.stderr.trim()}`);
  }));
}

/**
 * What an install left on a host, as text: the flame account, and each path under the
 * prefix (the Python SDK's too: `sdk/python`, `sdk/wheels`) and each unit with its type,
 * mode, owner and SHA-256 (names, not ids, so that hosts compare whatever uids they got).
 */
export async function fingerprint(host: FleetHost): Promise<string> {
  const script = [
    "getent passwd flame | cut -d: -f1,6,7",
    "getent group flame | cut -d: -f1",
    "stat -c '%n %a %U:%G' /var/lib/flame",
    `cd ${PREFIX} && find . /etc/systemd/system/flame-*.service -printf '%p %y %m %u:%g\\n' | sort`,
    `cd ${PREFIX} && find . /etc/systemd/system/flame-*.service -type f -exec sha256sum {} + | sort -k 2`,
  ].join("\n");
  const result = await host.sh(script);
  if (result.code !== 0) throw new Error(`Cannot fingerprint ${host.name}: ${result.stderr.trim()}`);
  return result.stdout;
}

/**
 * Checks that the Python SDK imports for the service user on every host, as a user of it
 * would import it (with the environment of `sbin/flmenv.sh`); throws for the first host where
 * it does not.
 */
export async function checkSdkImports(hosts: FleetHost[]): Promise<void> {
  const module = SDK.import ?? SDK.name;
  await Promise.all(hosts.map(async (host) => {
    const result = await host.sh(
      `runuser -u flame -- sh -c '. ${PREFIX}/sbin/flmenv.sh && python3 -c "import ${module}"'`,
    );
    if (result.code !== 0) {
      throw new Error(`${module} does not import for flame on ${host.name}: ${result.stderr.trim()}`);
    }
  }));
}

/** Lines in which two fingerprints differ (`- a` / `+ b`), empty when they are the same. */
export function fingerprintDiff(a: string, b: string): string[] {
  const left = new Set(a.split("\n").filter(Boolean));
  const right = new Set(b.split("\n").filter(Boolean));
  return [
    ...[...left].filter((line) => !right.has(line)).map((line) => `- ${line}`),
    ...[...right].filter((line) => !left.has(line)).map((line) => `+ ${line}`),
  ];
}
