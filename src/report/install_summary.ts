import type { HostResult } from "../engine/result.ts";
import { servicesFor } from "../flame/components.ts";
import type { Profile } from "../flame/components.ts";
import type { Style } from "./style.ts";

/**
 * RFE333's installation summary, for the hosts that succeeded: where Flame is, its
 * configuration, how to use it, the state of its services and the next step. Hosts that
 * share a prefix and a service setup are summed up together.
 */
export function renderInstallSummary(hosts: HostResult[], style: Style): string {
  const groups = new Map<string, HostResult[]>();
  for (const host of hosts) {
    if (
      !host.installed || host.status === "failed" || host.status === "unreachable" ||
      host.status === "skipped"
    ) {
      continue;
    }
    const { prefix, systemd, enable } = host.installed;
    const key = `${prefix}|${systemd}|${enable}`;
    groups.set(key, [...(groups.get(key) ?? []), host]);
  }
  const out: string[] = [];
  for (const group of groups.values()) {
    const { prefix, systemd, enable } = group[0].installed!;
    const units = [
      ...new Set(group.flatMap((h) => servicesFor(h.installed!.profiles as Profile[]).map((s) => s.unit))),
    ];
    const where = group.length === 1 ? group[0].name : `${group.length} hosts (${names(group)})`;
    out.push(style.bold(`Flame is installed in ${prefix} on ${where}`));
    out.push(`  configuration: ${prefix}/conf/flame-cluster.yaml`);
    out.push(`  environment:   . ${prefix}/sbin/flmenv.sh   (PATH, PYTHONPATH for flamepy, FLAME_HOME)`);
    out.push(`  logs:          ${prefix}/logs/`);
    if (units.length === 0) out.push("  services:      none for these profiles");
    else if (!systemd) {
      out.push("  services:      no systemd units (--no-systemd); start one by hand with:");
      out.push(`                 ${prefix}/bin/${units[0]} --config ${prefix}/conf/flame-cluster.yaml`);
    } else if (enable) out.push(`  services:      enabled and running: ${units.join(", ")}`);
    else {
      out.push(`  services:      units installed, not started: ${units.join(", ")}`);
      out.push(`  next step:     sudo systemctl enable --now ${units.map((u) => `${u}.service`).join(" ")}`);
      out.push("                 (or rerun with --enable)");
    }
  }
  return out.join("\n");
}

function names(hosts: HostResult[]): string {
  const shown = hosts.slice(0, 5).map((h) => h.name).join(", ");
  return hosts.length > 5 ? `${shown}, ...` : shown;
}
