import { Command, InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { type Packing, PACKINGS } from "../../transport/packing.ts";
import { install } from "../../commands/install.ts";
import { renderInstallSummary } from "../../report/install_summary.ts";
import { type CommonFlags, withAppOption, withCommonOptions } from "../common.ts";
import { appOf } from "../../commands/targets.ts";
import type { Io } from "../io.ts";
import { runCommand } from "../run.ts";

/** Options that describe the wanted installation, shared by `install` and `status`. */
export function withWantedOptions(command: Command): Command {
  command
    .option(
      "--src-dir <dir>",
      "the app's source (Flame: a Cargo workspace); default: git clone of --src-repo",
    )
    .option(
      "--prefix <dir>",
      "installation prefix (default: the app's PREFIX_prefix variable, else its default: muster apps NAME)",
    )
    .option("--systemd", "install systemd units (the default, unless the app's PREFIX_systemd is false)")
    .option("--no-systemd", "do not install systemd units")
    .option("--enable", "enable and start the services (default: the app's PREFIX_enable, else off)");
  return command;
}

/** Options of how `install` gets there: the source to clone, the build, a clean reinstall, the wait. */
export function withInstallOptions(command: Command): Command {
  withWantedOptions(command)
    .option(
      "--src-repo <url>",
      "repository cloned when --src-dir is not given (default: the app's source.repo; Flame: https://github.com/xflops-io/flame.git)",
    )
    .option("--src-ref <ref>", "branch or tag cloned (default: the app's, else main)")
    .option("--skip-build", "use the binaries already in SRC/target/release", false)
    .option(
      "--python <path>",
      "the Python that builds the wheels (default: the first of python3, /usr/bin/python3 that can)",
    )
    .option("--clean", "back up conf/ and data/, remove the installation, then install", false)
    .option(
      "--ready-timeout <seconds>",
      "with --enable: how long to wait for a service to be ready (Flame: the session manager)",
      Number,
      30,
    );
  return command;
}

/** The options of `withInstallOptions` as parsed. */
export interface InstallFlags {
  srcDir?: string;
  srcRepo?: string;
  srcRef?: string;
  prefix?: string;
  systemd?: boolean;
  enable?: boolean;
  skipBuild: boolean;
  clean: boolean;
  verbose: boolean;
  readyTimeout: number;
  python?: string;
}

/** The flags of `withInstallOptions` that the library takes. */
const INSTALL_FLAGS = [
  "srcDir",
  "srcRepo",
  "srcRef",
  "prefix",
  "systemd",
  "enable",
  "skipBuild",
  "clean",
  "verbose",
  "readyTimeout",
  "python",
] as const;

/** The install options of `withInstallOptions`, as the library takes them (the common flags left out). */
export function installFlags(flags: InstallFlags): Pick<InstallFlags, typeof INSTALL_FLAGS[number]> {
  return Object.fromEntries(INSTALL_FLAGS.map((key) => [key, flags[key]])) as Pick<
    InstallFlags,
    typeof INSTALL_FLAGS[number]
  >;
}

/** `muster install`. */
export function installCommand(io: Io) {
  return withCommonOptions(withAppOption(withInstallOptions(new Command("install"))))
    .description("build the application (default: Flame) once and install it on every selected host")
    .option("--dry-run", "print what would change on each host, change nothing", false)
    .option(
      "--keep-releases <n>",
      "releases kept on each host besides the current one, for rollback",
      keepCount,
      3,
    )
    .addOption(
      new Option(
        "--compress <how>",
        "send large files compressed once on this machine, unpacked by the host's zstd (else gzip); " +
          "none sends them as they are",
      ).choices(["auto", "zstd", "gzip", "none"]).default("auto"),
    )
    .option(
      "--repair",
      "converge drift (what `muster status` shows): like install, but a config that differs from the " +
        "inventory's is rewritten; hosts in sync are not touched",
      false,
    )
    .action(async (own) => {
      const flags = own as typeof own & CommonFlags & InstallFlags;
      await runCommand(
        io,
        flags,
        (context) =>
          install({
            ...context.common,
            ...installFlags(flags),
            dryRun: flags.dryRun,
            repair: flags.repair,
            keepReleases: flags.keepReleases,
            packings: packingsOf(flags.compress),
          }),
        {
          plan: flags.dryRun,
          epilogue: flags.dryRun
            ? undefined
            : async (report, style) => renderInstallSummary(report.hosts, style, await appOf(flags)),
        },
      );
    });
}

/** The packings `--compress` allows, best first. */
export function packingsOf(how: string): Packing[] {
  return how === "auto" ? [...PACKINGS] : how === "none" ? [] : [how as Packing];
}

function keepCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number of at least 0");
  return n;
}
