import { Command } from "@commander-js/extra-typings";
import { LOCAL_INVENTORY } from "../../commands/targets.ts";
import { MusterError, UsageError } from "../../engine/errors.ts";
import { parseExtraVars } from "../../inventory/extra_vars.ts";
import { loadInventory } from "../../inventory/load.ts";
import { selectHosts } from "../../inventory/patterns.ts";
import { pythonJson } from "../../inventory/python_json.ts";
import { graph, hostVars, listJson } from "../../inventory/render.ts";
import type { Inventory, InventoryHost } from "../../inventory/types.ts";
import { readVault } from "../../inventory/vault.ts";
import { ansibleWarning } from "../../inventory/warnings.ts";
import type { Io } from "../io.ts";
import { exitState } from "../run.ts";

/**
 * `muster inventory`: what muster made of the inventory, as `ansible-inventory` shows it.
 * It reads the inventory and prints it; it connects to nothing, so it neither checks
 * connection variables (`connectionOf` does that for the commands that connect) nor
 * needs a host: an inventory of groups without hosts prints as Ansible prints it.
 */
export function inventoryCommand(io: Io) {
  return new Command("inventory")
    .description("show what muster made of the inventory (same output as ansible-inventory)")
    .option(
      "-i, --inventory <path>",
      "inventory file or directory, repeatable",
      (v, p: string[]) => [...p, v],
      [] as string[],
    )
    .option("-l, --limit <pattern>", "Ansible host pattern")
    .option(
      "-e, --extra-vars <vars>",
      "extra variables, repeatable",
      (v, p: string[]) => [...p, v],
      [] as string[],
    )
    .option(
      "--vault-password-file <file>",
      "vault password file (or script), repeatable; also ANSIBLE_VAULT_PASSWORD_FILE",
      (v, p: string[]) => [...p, v],
      [] as string[],
    )
    .option(
      "--vault-id <[label@]file>",
      "vault identity: a label and its password file, repeatable",
      (v, p: string[]) => [...p, v],
      [] as string[],
    )
    .option("--list", "all groups and hosts with their variables, as JSON")
    .option("--graph [group]", "the group tree")
    .option("--host <name>", "one host's merged variables, as JSON")
    .action(async (flags) => {
      try {
        const modes = [flags.list, flags.graph, flags.host].filter((m) => m !== undefined);
        if (modes.length !== 1) throw new UsageError("Choose one of --list, --graph or --host NAME");
        const sources = flags.inventory.length ? flags.inventory : [LOCAL_INVENTORY];
        const vault = await readVault({
          ids: flags.vaultId,
          passwordFiles: flags.vaultPasswordFile,
          env: { get: io.env },
        });
        const extraVars = await parseExtraVars(flags.extraVars, { vault });
        const inventory = await loadInventory(sources, { extraVars, vault });
        const warn = (message: string) => io.err(ansibleWarning(message));
        for (const warning of inventory.warnings ?? []) warn(warning);
        if (flags.host !== undefined) {
          // As ansible-inventory: --host ignores --limit.
          printJson(io, hostVars(inventory, flags.host), warn);
          return;
        }
        if (flags.list) {
          const hosts = flags.limit === undefined ? undefined : limitedHosts(inventory, flags.limit, warn);
          printJson(io, listJson(inventory, { hosts }), warn);
        } else {
          // ansible-inventory --graph draws every host whatever the limit (and never matches it).
          io.out(graph(inventory, flags.graph === true ? "all" : flags.graph as string) + "\n");
        }
      } catch (error) {
        if (!(error instanceof MusterError)) throw error;
        io.err(`error: ${error.message}\n`);
        if (error.hint) io.err(`hint: ${error.hint}\n`);
        exitState.code = error.exitCode;
      }
    });
}

/** The hosts of `all` that `--limit` selects, in `all`'s order; unmatched parts only warn, as in Ansible. */
function limitedHosts(inventory: Inventory, limit: string, warn: (message: string) => void): InventoryHost[] {
  const onUnmatched = (pattern: string) =>
    warn(`Could not match supplied host pattern, ignoring: ${pattern}`);
  const names = new Set(selectHosts(inventory, limit, { onUnmatched }).map((h) => h.name));
  return selectHosts(inventory).filter((h) => names.has(h.name));
}

/** Prints JSON as ansible-inventory does (Python's json.dumps, sorted keys). */
function printJson(io: Io, value: unknown, warn: (message: string) => void): void {
  const { text, warning } = pythonJson(value);
  if (warning) warn(warning);
  io.out(text + "\n");
}
