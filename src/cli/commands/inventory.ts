import { Command } from "@commander-js/extra-typings";
import { LOCAL_INVENTORY } from "../../commands/targets.ts";
import { MusterError, UsageError } from "../../engine/errors.ts";
import { parseExtraVars } from "../../inventory/extra_vars.ts";
import { loadInventory } from "../../inventory/load.ts";
import { graph, hostVars, listJson } from "../../inventory/render.ts";
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
    .option("--list", "all groups and hosts with their variables, as JSON")
    .option("--graph [group]", "the group tree")
    .option("--host <name>", "one host's merged variables, as JSON")
    .action(async (flags) => {
      try {
        const modes = [flags.list, flags.graph, flags.host].filter((m) => m !== undefined);
        if (modes.length !== 1) throw new UsageError("Choose one of --list, --graph or --host NAME");
        const sources = flags.inventory.length ? flags.inventory : [LOCAL_INVENTORY];
        const inventory = await loadInventory(sources, { extraVars: await parseExtraVars(flags.extraVars) });
        if (flags.list) io.out(JSON.stringify(listJson(inventory), null, 4) + "\n");
        else if (flags.graph !== undefined) {
          io.out(graph(inventory, flags.graph === true ? "all" : flags.graph) + "\n");
        } else io.out(JSON.stringify(hostVars(inventory, flags.host!), null, 4) + "\n");
      } catch (error) {
        if (!(error instanceof MusterError)) throw error;
        io.err(`error: ${error.message}\n`);
        exitState.code = error.exitCode;
      }
    });
}
