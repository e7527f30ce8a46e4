import { Command } from "@commander-js/extra-typings";
import { z } from "zod";
import { appSchema } from "../../app/definition.ts";
import { builtinApps, loadApp } from "../../app/load.ts";
import { MusterError } from "../../engine/errors.ts";
import type { Io } from "../io.ts";
import { exitState } from "../run.ts";

/** `muster apps [NAME|PATH] [--schema]`: the built-in applications, one app's variables, or the schema. */
export function appsCommand(io: Io) {
  return new Command("apps")
    .description("list the built-in applications; with NAME, an app's variables (types, defaults, docs)")
    .argument("[app]", "a built-in app's name, or a directory holding app.yaml")
    .option("--schema", "print the JSON Schema of app.yaml (for editors)", false)
    .action(async (name, flags) => {
      try {
        if (flags.schema) io.out(JSON.stringify(z.toJSONSchema(appSchema), null, 2) + "\n");
        else if (name) io.out(await describeApp(name) + "\n");
        else io.out(await listApps() + "\n");
      } catch (error) {
        if (!(error instanceof MusterError)) throw error;
        io.err(`error: ${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ""}`);
        exitState.code = error.exitCode;
      }
    });
}

/** One line per built-in app. */
export async function listApps(): Promise<string> {
  const apps = await Promise.all(builtinApps().map((name) => loadApp(name)));
  const width = Math.max(...apps.map((app) => app.name.length));
  return [
    "Built-in applications (muster apps NAME for its variables; --app NAME on install, uninstall, ...):",
    ...apps.map((app) => `  ${app.name.padEnd(width)}  ${app.definition.description}`),
  ].join("\n");
}

/** An app's description, variables, profiles and services, as `ansible-doc` shows a role. */
export async function describeApp(nameOrPath: string): Promise<string> {
  const app = await loadApp(nameOrPath);
  const d = app.definition;
  const out = [`${app.name}: ${d.description}`, `  defined in ${app.file}`, ""];
  out.push(`Variables (${d.vars_prefix}*; set in the inventory or with -e):`);
  const rows = Object.entries(d.vars).map(([short, decl]) => {
    const type = decl.type === "list" && decl.choices ? `list of ${decl.choices.join("|")}` : decl.type;
    const value = decl.default === undefined ? "" : ` (default: ${JSON.stringify(decl.default)})`;
    return { name: app.varName(short), text: `${type}${value}: ${decl.doc}` };
  });
  const width = Math.max(...rows.map((row) => row.name.length));
  out.push(...rows.map((row) => `  ${row.name.padEnd(width)}  ${row.text}`));
  out.push(
    "",
    `Prefix: ${d.prefix.default}${
      d.prefix.env ? ` (or $${d.prefix.env})` : ""
    }; service user: ${d.user.name}`,
  );
  out.push("", "Profiles:");
  for (const [profile, wants] of Object.entries(d.profiles.of)) {
    const parts = [
      ...(wants.artifacts?.length ? [`artifacts ${wants.artifacts.join(", ")}`] : []),
      ...(wants.packages?.length ? [`packages ${wants.packages.join(", ")}`] : []),
      ...(wants.services?.length ? [`services ${wants.services.join(", ")}`] : []),
    ];
    out.push(`  ${profile}: ${parts.join("; ") || "nothing"}`);
  }
  if (app.services.length) {
    out.push("", "Services (in start order):");
    for (const service of app.services) {
      const checks = [
        ...(service.ready ? [`ready: ${Object.keys(service.ready)[0]}`] : []),
        ...(service.health ?? []).map((check) => `health: ${Object.keys(check)[0]}`),
      ];
      out.push(`  ${service.name}: ${service.description}${checks.length ? ` (${checks.join(", ")})` : ""}`);
    }
  }
  return out.join("\n");
}
