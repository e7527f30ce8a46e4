import type { App } from "../app/app.ts";
import { render } from "../template/render.ts";
import type { HostResult } from "../engine/result.ts";
import type { Style } from "./style.ts";

/**
 * RFE333's installation summary, for the hosts that succeeded: where the app is, its
 * configuration, how to use it, the state of its services and the next step. Hosts that
 * share a prefix and a service setup are summed up together.
 */
export function renderInstallSummary(hosts: HostResult[], style: Style, app: App): string {
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
  const files = app.definition.files ?? [];
  const config = files.filter((file) => file.kind === "config");
  const environment = files.filter((file) => file.kind === "environment");
  const logs = app.dirsHolding("logs");
  const out: string[] = [];
  for (const group of groups.values()) {
    const { prefix, systemd, enable } = group[0].installed!;
    const services = app.services.filter((service) =>
      group.some((h) => app.servicesFor(h.installed!.profiles).includes(service))
    );
    const units = services.map((service) => service.name);
    const where = group.length === 1 ? group[0].name : `${group.length} hosts (${names(group)})`;
    out.push(style.bold(`${app.title} is installed in ${prefix} on ${where}`));
    for (const file of config) out.push(`  configuration: ${prefix}/${file.path}`);
    for (const file of environment) out.push(`  environment:   . ${prefix}/${file.path}`);
    for (const dir of logs) out.push(`  logs:          ${prefix}/${dir}/`);
    if (units.length === 0) out.push("  services:      none for these profiles");
    else if (!systemd) {
      out.push("  services:      no systemd units (--no-systemd); start one by hand with:");
      out.push(`                 ${commandOf(app, services[0].exec, prefix)}`);
    } else if (enable) out.push(`  services:      enabled and running: ${units.join(", ")}`);
    else {
      out.push(`  services:      units installed, not started: ${units.join(", ")}`);
      out.push(`  next step:     sudo systemctl enable --now ${units.map((u) => `${u}.service`).join(" ")}`);
      out.push("                 (or rerun with --enable)");
    }
  }
  return out.join("\n");
}

/** A service's command line with the prefix filled in; other variables stay as written. */
function commandOf(app: App, exec: string, prefix: string): string {
  const name = app.varName("prefix");
  try {
    return render(exec, { [name]: prefix }, "exec");
  } catch {
    return exec.replace(new RegExp(`{{\\s*${name}\\s*}}`, "g"), prefix);
  }
}

function names(hosts: HostResult[]): string {
  const shown = hosts.slice(0, 5).map((h) => h.name).join(", ");
  return hosts.length > 5 ? `${shown}, ...` : shown;
}
