import { Command } from "@commander-js/extra-typings";
import { status, type StatusReport } from "../../commands/status.ts";
import type { ReportedChange } from "../../engine/change.ts";
import { makeStyle, type Style } from "../../report/style.ts";
import { maskSecrets } from "../../text/mask.ts";
import { type CommonFlags, withAppOption, withCommonOptions } from "../common.ts";
import { type Io, useColor } from "../io.ts";
import { runCommand } from "../run.ts";
import { withWantedOptions } from "./install.ts";

/** `muster status`. */
export function statusCommand(io: Io) {
  return withCommonOptions(
    withAppOption(withWantedOptions(new Command("status")))
      .option("--checksum", "hash every binary, not only those changed since muster recorded them", false),
  )
    .description(
      "show, per host, what install with these inputs would change (drift); exit 0 in sync, 2 drift, 1 error",
    )
    .addHelpText(
      "after",
      "\nTakes the options of install that describe the wanted state. Nothing is built: with\n" +
        "--src-dir, binaries are compared by checksum with SRC/target/release as found; without it,\n" +
        "by presence, mode and owner. A configuration that differs from the inventory's is drift.\n" +
        "`muster install --repair` fixes the drift of the hosts that have any.",
    )
    .action(async (options) => {
      const flags = options as unknown as CommonFlags & {
        srcDir?: string;
        prefix?: string;
        systemd?: boolean;
        enable?: boolean;
        checksum: boolean;
      };
      const style = makeStyle(useColor(io, flags.color));
      await runCommand(io, flags, async (context) => {
        const { srcDir, prefix, systemd, enable, verbose, checksum } = flags;
        const report = await status({
          ...context.common,
          srcDir,
          prefix,
          systemd,
          enable,
          verbose,
          checksum,
        });
        if (flags.format === "text") io.out(renderDrift(report, style) + "\n\n");
        return report;
      });
    });
}

const SIGN = { create: "+", change: "~", remove: "-" } as const;
const WHAT = { create: "missing", change: "differs", remove: "extra" } as const;

/**
 * The drift of each host: what is missing (`+`), differs (`~`, with a diff for text
 * files, secrets masked) or is extra (`-`); then the fleet's summary.
 */
export function renderDrift(report: StatusReport, style: Style): string {
  const out: string[] = [];
  for (const host of report.hosts) {
    const changes = host.steps.flatMap((step) => step.changes);
    const title = `${host.name} (${host.address})`;
    if (host.status === "failed" || host.status === "unreachable" || host.status === "skipped") {
      out.push(`${style.bold(title)}: ${style.red("not checked")}`);
      if (host.error) out.push(`  ${style.red("!")} ${host.error}`);
      if (host.hint) out.push(`    hint: ${host.hint}`);
    } else if (changes.length === 0) {
      out.push(`${style.bold(title)}: ${style.green("in sync")}`);
    } else {
      out.push(
        `${style.bold(title)}: ${style.yellow(`${changes.length} drift${changes.length === 1 ? "" : "s"}`)}`,
      );
    }
    for (const change of changes) out.push(...driftLines(change, style));
  }
  const { inSync, drifted, failed, changes } = report.drift;
  const hosts = report.hosts.length;
  out.push(
    "",
    style.bold(
      `Status: ${hosts} host${hosts === 1 ? "" : "s"}: ${inSync.length} in sync, ${drifted.length} drifted ` +
        `(${changes} drift${
          changes === 1 ? "" : "s"
        }), ${failed.length} not checked; exit ${report.exitCode}`,
    ),
  );
  if (drifted.length > 0) {
    out.push(`Fix with: muster install --repair (same options), or -l ${drifted.join(",")}`);
  }
  if (!report.drift.checksums) {
    out.push(
      style.dim("Binaries and the SDK were compared by presence, mode and owner (no built --src-dir)."),
    );
  }
  return out.join("\n");
}

function driftLines(change: ReportedChange, style: Style): string[] {
  const colour = change.action === "create"
    ? style.green
    : change.action === "remove"
    ? style.red
    : style.yellow;
  // A change says what differs itself; what is missing or extra says so first.
  const detail = change.action === "change"
    ? change.detail ?? WHAT.change
    : change.detail && change.detail !== WHAT[change.action]
    ? `${WHAT[change.action]}: ${change.detail}`
    : WHAT[change.action];
  const lines = [`  ${colour(SIGN[change.action])} ${change.target}  ${style.dim(`(${detail})`)}`];
  for (const line of maskSecrets(change.diff ?? "", { diff: true }).split("\n").filter(Boolean)) {
    lines.push(`      ${line}`);
  }
  return lines;
}
