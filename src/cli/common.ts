import { type Command, InvalidArgumentError, Option } from "@commander-js/extra-typings";

/**
 * Adds the options every command takes (SPEC section 1). Deliberately not generic: typing
 * a long chain through generics makes the type checker crawl; actions read these options
 * through `CommonFlags`.
 */
export function withCommonOptions(command: Command): Command {
  command
    .addOption(
      new Option("-i, --inventory <path>", "inventory file or directory, repeatable")
        .argParser(collect).default([] as string[], "the built-in local inventory"),
    )
    .option("-l, --limit <pattern>", "Ansible host pattern: web*, workers:!w3, @file")
    .option("-f, --forks <n>", "hosts worked on at once, else ansible.cfg's forks (default: 50)", positiveInt)
    .addOption(
      new Option(
        "-e, --extra-vars <vars>",
        "variables, highest precedence: k=v, JSON/YAML, or @file; repeatable",
      )
        .argParser(collect).default([] as string[], "none"),
    )
    .addOption(
      new Option("--vault-password-file <file>", "Ansible Vault password file (or script), repeatable")
        .argParser(collect).default([] as string[], "$ANSIBLE_VAULT_PASSWORD_FILE"),
    )
    .addOption(
      new Option(
        "--vault-id <[label@]file>",
        "Ansible Vault identity: a label and its password file, repeatable",
      )
        .argParser(collect).default([] as string[], "none"),
    )
    .option("--serial <n>", "work in rolling batches of N hosts or N% of them")
    .option("--max-fail-percent <p>", "stop starting new batches once more than P% of hosts failed", percent)
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .option("--report <file>", "write the JSON report to FILE")
    .addOption(
      new Option(
        "--host-key-checking <mode>",
        "SSH host key checking (default: off if ansible.cfg says host_key_checking = False, else accept-new)",
      ).choices(["accept-new", "off"]),
    )
    .option("--timeout <seconds>", "longest time one host may take", positiveInt)
    .option("--resume", "rerun the last run's command on the hosts that failed or were unreachable")
    .option("-v, --verbose", "more output (install: stream cargo's output)", false)
    .option("--no-color", "no ANSI colours (also: NO_COLOR, or stdout not a TTY)");
  return command;
}

/** Adds `--app` to a command that installs, inspects or removes an application. */
export function withAppOption(command: Command): Command {
  return command.option(
    "--app <name|path>",
    "the application: a built-in one (muster apps) or a directory holding app.yaml",
    "flame",
  );
}

/** The common options as parsed. */
export interface CommonFlags {
  /** `--app`, on the commands that have it. */
  app?: string;
  inventory: string[];
  limit?: string;
  /** Unset: ansible.cfg's, else 50. */
  forks?: number;
  extraVars: string[];
  vaultPasswordFile: string[];
  vaultId: string[];
  serial?: string;
  maxFailPercent?: number;
  format: "text" | "json";
  report?: string;
  /** Unset: ansible.cfg's, else accept-new. */
  hostKeyChecking?: "accept-new" | "off";
  timeout?: number;
  verbose: boolean;
  color: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number of at least 1");
  return n;
}

function percent(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 100) {
    throw new InvalidArgumentError("expected a percentage from 0 to 100");
  }
  return n;
}
