import { Command } from "@commander-js/extra-typings";
import { discover, type DiscoverReport } from "../../commands/discover.ts";
import { makeStyle, type Style } from "../../report/style.ts";
import { type CommonFlags, withCommonOptions } from "../common.ts";
import { type Io, useColor } from "../io.ts";
import { runCommand } from "../run.ts";

/** `muster discover`. */
export function discoverCommand(io: Io) {
  return withCommonOptions(new Command("discover"))
    .description("find Flame installations on the hosts and write an inventory that describes them")
    .requiredOption("-o, --output <file>", "where the discovered inventory (YAML) is written")
    .addHelpText(
      "after",
      "\nLooks at each host's flame_prefix, the default prefix ($FLAME_PREFIX, else /usr/local/flame)\n" +
        "and the prefixes named by flame-*.service units. The inventory keeps each host's ansible_*\n" +
        "variables and sets flame_prefix, flame_profiles (from the binaries found), flame_systemd,\n" +
        "flame_enable and the cluster name and endpoints of the installed configuration, so that\n" +
        "`muster status -i FILE --src-dir SRC` reports the hosts as in sync.",
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
      const services = found.flame_systemd
        ? `systemd units, services ${found.flame_enable ? "enabled" : "not enabled"}`
        : "no systemd units";
      out.push(`${title}: ${found.flame_prefix} (${found.flame_profiles.join(", ")}; ${services})`);
      if (found.flame_endpoint) out.push(`  endpoint ${found.flame_endpoint}`);
    } else if (host.error) {
      out.push(`${title}: ${style.red("not visited")}: ${host.error}`);
    } else {
      out.push(`${title}: ${style.dim("no Flame installation")}`);
    }
  }
  const count = Object.keys(report.found).length;
  out.push(
    "",
    style.bold(
      report.output
        ? `Wrote ${report.output}: ${count} host${count === 1 ? "" : "s"} with Flame`
        : "No Flame installation found: nothing written",
    ),
  );
  return out.join("\n");
}
