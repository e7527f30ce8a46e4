import type { ReportedChange } from "../engine/change.ts";
import type { HostResult } from "../engine/result.ts";
import { maskSecrets } from "../text/mask.ts";
import type { Style } from "./style.ts";

/** Counts of a plan. */
export interface PlanCounts {
  add: number;
  change: number;
  remove: number;
}

/** Counts the changes of hosts by action. */
export function planCounts(changes: ReportedChange[]): PlanCounts {
  return {
    add: changes.filter((c) => c.action === "create").length,
    change: changes.filter((c) => c.action === "change").length,
    remove: changes.filter((c) => c.action === "remove").length,
  };
}

function countsLine(counts: PlanCounts): string {
  return `${counts.add} to add, ${counts.change} to change, ${counts.remove} to remove`;
}

const SIGN = { create: "+", change: "~", remove: "-" } as const;

/**
 * The Terraform-style plan: per host, `+` create, `~` change (with a diff for text files),
 * `-` remove, and a `Plan:` line; hosts with identical plans are shown once; then the fleet's line.
 */
export function renderPlan(hosts: HostResult[], style: Style): string {
  const out: string[] = [];
  const total: PlanCounts = { add: 0, change: 0, remove: 0 };
  const groups = new Map<string, HostResult[]>();
  for (const host of hosts) {
    const key = host.error ? `error:${host.name}` : JSON.stringify(host.steps.map((s) => s.changes));
    groups.set(key, [...(groups.get(key) ?? []), host]);
  }
  for (const group of groups.values()) {
    const host = group[0];
    const names = group.length === 1 ? `${host.name} (${host.address})` : group.map((h) => h.name).join(", ");
    out.push(style.bold(names));
    if (host.status === "unreachable" || (host.status === "failed" && host.error)) {
      out.push(`  ${style.red("!")} ${host.error}`);
      if (host.hint) out.push(`    hint: ${host.hint}`);
    }
    const changes = host.steps.flatMap((step) => step.changes);
    for (const change of changes) {
      const colour = change.action === "create"
        ? style.green
        : change.action === "remove"
        ? style.red
        : style.yellow;
      out.push(
        `  ${colour(SIGN[change.action])} ${change.target}${
          change.detail ? style.dim(`  (${change.detail})`) : ""
        }`,
      );
      if (change.diff) {
        // Secrets never reach the screen: values of secret-looking keys are masked.
        for (const line of maskSecrets(change.diff, { diff: true }).split("\n")) {
          const c = line.startsWith("+") && !line.startsWith("+++")
            ? style.green
            : line.startsWith("-") && !line.startsWith("---")
            ? style.red
            : style.dim;
          out.push(`      ${c(line)}`);
        }
      }
    }
    const counts = planCounts(changes);
    if (changes.length === 0 && !host.error) out.push("  No changes.");
    out.push(`  Plan: ${countsLine(counts)}.${group.length > 1 ? ` (each of ${group.length} hosts)` : ""}`);
    total.add += counts.add * group.length;
    total.change += counts.change * group.length;
    total.remove += counts.remove * group.length;
    out.push("");
  }
  out.push(
    style.bold(`Fleet plan: ${countsLine(total)} on ${hosts.length} host${hosts.length === 1 ? "" : "s"}.`),
  );
  return out.join("\n");
}
