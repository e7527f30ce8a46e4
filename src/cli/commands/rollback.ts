import { Command } from "@commander-js/extra-typings";
import { type HostReleases, releases, rollback } from "../../commands/rollback.ts";
import type { HostResult, RunReport } from "../../engine/result.ts";
import type { Style } from "../../report/style.ts";
import { type CommonFlags, withAppOption, withCommonOptions } from "../common.ts";
import type { Io } from "../io.ts";
import { runCommand } from "../run.ts";

/** `muster rollback`. */
export function rollbackCommand(io: Io) {
  return withCommonOptions(withAppOption(new Command("rollback")))
    .description(
      "put hosts back on a kept release (default: the previous one) from their release store, " +
        "nothing transferred; restart and health-check their services",
    )
    .option(
      "--to <release>",
      "the release: its id (or the id's start) or the app's version (default: the previous)",
    )
    .option(
      "--prefix <dir>",
      "installation prefix (default: the app's PREFIX_prefix variable, else its default)",
    )
    .option("--dry-run", "print what would change on each host, change nothing", false)
    .action(async (own) => {
      const flags = own as typeof own & CommonFlags;
      await runCommand(
        io,
        flags,
        (context) =>
          rollback({ ...context.common, to: flags.to, prefix: flags.prefix, dryRun: flags.dryRun }),
        { plan: flags.dryRun },
      );
    });
}

/** `muster releases`. */
export function releasesCommand(io: Io) {
  return withCommonOptions(withAppOption(new Command("releases")))
    .description("list each host's kept releases and which one is in place")
    .option(
      "--prefix <dir>",
      "installation prefix (default: the app's PREFIX_prefix variable, else its default)",
    )
    .action(async (own) => {
      const flags = own as typeof own & CommonFlags;
      await runCommand(io, flags, (context) => releases({ ...context.common, prefix: flags.prefix }), {
        epilogue: (report, style) => renderReleases(report, style),
      });
    });
}

/** Each host's releases, newest first, the one in place marked `*`. */
export function renderReleases(report: RunReport, style: Style): string {
  const out: string[] = [];
  for (const host of report.hosts as Array<HostResult & { releases?: HostReleases }>) {
    out.push(style.bold(`${host.name} (${host.address})`));
    const found = host.releases;
    if (!found) {
      out.push(`  ${style.red("!")} ${host.error ?? "not read"}`);
      continue;
    }
    if (found.releases.length === 0) out.push("  no kept releases");
    for (const release of found.releases) {
      const here = release.id === found.current;
      out.push(
        `  ${here ? style.green("*") : " "} ${release.id}  ${
          (release.version ?? "-").padEnd(10)
        } ${release.stored}` +
          (here ? "  (current)" : ""),
      );
    }
    if (found.current && !found.releases.some((release) => release.id === found.current)) {
      out.push(`  * ${found.current}  (current, not in the store yet: kept at the next upgrade)`);
    }
  }
  return out.join("\n");
}
