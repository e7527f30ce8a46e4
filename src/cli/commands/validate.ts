import { Command } from "@commander-js/extra-typings";
import { validate, type ValidateReport } from "../../commands/validate.ts";
import { findAnsibleConfig } from "../../config/ansible_cfg.ts";
import { makeStyle, type Style } from "../../report/style.ts";
import { type CommonFlags, withAppOption, withCommonOptions } from "../common.ts";
import { type Io, useColor } from "../io.ts";
import { runCommand } from "../run.ts";

/** `muster validate`. */
export function validateCommand(io: Io) {
  return withCommonOptions(withAppOption(new Command("validate")))
    .description(
      "check the inventory, name resolution, SSH, sudo, required commands and the prefix of every host; exit 0 or 1",
    )
    .option(
      "--prefix <dir>",
      "installation prefix to check (default: the app's PREFIX_prefix variable, else its default: muster apps NAME)",
    )
    .option(
      "--systemd",
      "systemd units will be installed (the default, unless the app's PREFIX_systemd is false)",
    )
    .option("--no-systemd", "systemd units will not be installed: no need for root or systemctl")
    .option("--enable", "services will be started (default: the app's PREFIX_enable, else off)")
    .action(async (options) => {
      const flags = options as unknown as CommonFlags & {
        prefix?: string;
        systemd?: boolean;
        enable?: boolean;
      };
      const style = makeStyle(useColor(io, flags.color));
      await runCommand(io, flags, async (context) => {
        const report = await validate({
          ...context.common,
          prefix: flags.prefix,
          systemd: flags.systemd,
          enable: flags.enable,
        });
        if (flags.format === "text" && flags.verbose) {
          const config = await findAnsibleConfig({ env: { get: (key) => io.env(key) } });
          io.out(
            `ansible.cfg: ${
              config ?? "none found (ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg, /etc/ansible/ansible.cfg)"
            }\n\n`,
          );
        }
        if (flags.format === "text") io.out(renderValidation(report, style) + "\n\n");
        return report;
      });
    });
}

const MARK = { ok: "ok", failed: "FAIL", skipped: "skip", changed: "ok" } as const;

/** A table per host: each check, whether it passed, and what was found or why it failed. */
export function renderValidation(report: ValidateReport, style: Style): string {
  const out: string[] = [];
  const width = Math.max(...report.hosts.flatMap((host) => host.steps.map((check) => check.step.length)), 5);
  for (const host of report.hosts) {
    const verdict = host.exitCode === 0 ? style.green("valid") : style.red("invalid");
    out.push(`${style.bold(`${host.name} (${host.address})`)}: ${verdict}`);
    for (const check of host.steps) {
      const mark = MARK[check.status];
      const colour = check.status === "failed"
        ? style.red
        : check.status === "skipped"
        ? style.dim
        : style.green;
      out.push(`  ${colour(mark.padEnd(4))}  ${check.step.padEnd(width)}  ${check.detail}`);
    }
  }
  const passed = report.hosts.filter((host) => host.exitCode === 0).length;
  out.push(
    "",
    style.bold(
      `Validate: ${report.hosts.length} host${report.hosts.length === 1 ? "" : "s"}: ${passed} valid, ` +
        `${report.hosts.length - passed} invalid; exit ${report.exitCode}`,
    ),
  );
  return out.join("\n");
}
