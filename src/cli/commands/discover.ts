import { Command } from "@commander-js/extra-typings";
import { discover, type DiscoverReport } from "../../commands/discover.ts";
import { makeStyle, type Style } from "../../report/style.ts";
import { type CommonFlags, withAppOption, withCommonOptions } from "../common.ts";
import { type Io, useColor } from "../io.ts";
import { runCommand } from "../run.ts";

/** `muster discover`. */
export function discoverCommand(io: Io) {
  return withCommonOptions(withAppOption(new Command("discover")))
    .description("find installations of the app (default: Flame) on the hosts and write an inventory of them")
    .requiredOption("-o, --output <file>", "where the discovered inventory (YAML) is written")
    .addHelpText(
      "after",
      "\nLooks at each host's prefix variable (PREFIX_prefix), the app's default prefix (Flame:\n" +
        "$FLAME_PREFIX, else /usr/local/flame) and the prefixes named by the app's service units. The\n" +
        "inventory keeps each host's ansible_* variables and sets the prefix, profiles (from the\n" +
        "artifacts found), systemd, enable and what the app reads back from its kept files (Flame:\n" +
        "the cluster name and endpoints), so that `muster status -i FILE --src-dir SRC` reports the\n" +
        "hosts as in sync.",
    )
    .action(async (options) => {
      const flags = options as unknown as CommonFlags & { output: string };
      const style = makeStyle(useColor(io, flags.color));
      await runCommand(io, flags, async (context) => {
        const report = await discover({ ...context.common, output: flags.output });
        if (flags.format === "text") io.out(renderDiscovery(report, style) + "\n\n");
        return report;
      });
    });
}

/** What was found on each host, and where the inventory went. */
export function renderDiscovery(report: DiscoverReport, style: Style): string {
  const out: string[] = [];
  for (const host of report.hosts) {
    const found = report.found[host.name];
    const title = style.bold(`${host.name} (${host.address})`);
    if (found) {
      const services = found.systemd
        ? `systemd units, services ${found.enable ? "enabled" : "not enabled"}`
        : "no systemd units";
      out.push(`${title}: ${found.prefix} (${found.profiles.join(", ")}; ${services})`);
      const endpoint = found.vars[`${report.app.varsPrefix}endpoint`];
      if (endpoint) out.push(`  endpoint ${endpoint}`);
    } else if (host.error) {
      out.push(`${title}: ${style.red("not visited")}: ${host.error}`);
    } else {
      out.push(`${title}: ${style.dim(`no ${report.app.title} installation`)}`);
    }
  }
  const count = Object.keys(report.found).length;
  out.push(
    "",
    style.bold(
      report.output
        ? `Wrote ${report.output}: ${count} host${count === 1 ? "" : "s"} with ${report.app.title}`
        : `No ${report.app.title} installation found: nothing written`,
    ),
  );
  return out.join("\n");
}
