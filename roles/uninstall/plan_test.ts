/**
 * Planning from captured facts, as data: each case in `testdata/plans.json` gives the
 * options, what the host said, and the changes (or the error) expected, step by step.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { backupFact, type BackupFacts } from "../backup/mod.ts";
import type { Change } from "../../src/engine/change.ts";
import { MusterError } from "../../src/engine/errors.ts";
import type { Fact } from "../../src/engine/fact.ts";
import type { EarlierStep } from "../../src/engine/step.ts";
import { contentFact } from "../../src/facts/files.ts";
import { type Account, accountFact, identityFact, processesFact } from "../../src/facts/identity.ts";
import { unitStatesFact } from "../../src/facts/services.ts";
import { flame } from "../../src/app/testing.ts";
import { factsOf } from "./_testing.ts";
import { type Installation, installationFact } from "./facts.ts";
import { uninstallSteps } from "./mod.ts";
import { unitPath } from "./services.ts";
import { toBackUp, type UninstallSpec } from "./spec.ts";

interface Case {
  name: string;
  spec: Partial<UninstallSpec> & { prefix: string; noBackup?: boolean };
  facts: {
    uid?: number;
    installation: Partial<Installation>;
    systemctl?: boolean;
    units?: Record<string, { execStart: string; active?: string; enabled?: string }>;
    backup?: Partial<Omit<BackupFacts, "sizes">> & { sizes?: Record<string, number> };
    account?: Account;
    processes?: string[];
  };
  /** `step: action target (detail)` per change, in order; or the first error. */
  changes?: string[];
  error?: { step: string; exitCode: number; message: string };
}

const cases: Case[] = JSON.parse(await Deno.readTextFile(new URL("./testdata/plans.json", import.meta.url)));

function specOf(c: Case): UninstallSpec {
  const { noBackup, ...spec } = c.spec;
  return {
    preserve: { data: false, conf: false, logs: false },
    removeUser: false,
    serviceUser: "flame",
    app: flame,
    vars: {},
    ...(noBackup ? {} : { backupDir: `${c.spec.prefix}.backup.20250101-120000` }),
    ...spec,
  };
}

function factsFor(c: Case, spec: UninstallSpec) {
  const f = c.facts;
  const units = f.units ?? {};
  const values: Array<[Fact<unknown>, unknown]> = [
    [identityFact, { uid: f.uid ?? 0 }],
    [installationFact(spec.prefix, flame), {
      entries: [],
      bin: [],
      markers: [],
      writable: true,
      ...f.installation,
    }],
    ...flame.services.map((s): [Fact<unknown>, unknown] => [
      contentFact(unitPath(s)),
      units[s.name] ? `[Service]\nExecStart=${units[s.name].execStart} --config x\n` : undefined,
    ]),
    [unitStatesFact(flame.services.map((s) => s.name)), {
      systemctl: f.systemctl ?? true,
      units: new Map(
        Object.entries(units).map((
          [u, s],
        ) => [u, { active: s.active ?? "inactive", enabled: s.enabled ?? "disabled" }]),
      ),
    }],
    [accountFact(spec.serviceUser), f.account ?? {}],
    [processesFact(spec.serviceUser), f.processes ?? []],
  ];
  if (spec.backupDir) {
    const b = f.backup ?? {};
    values.push([backupFact({ prefix: spec.prefix, dirs: toBackUp(spec), target: spec.backupDir }), {
      targetResolved: spec.backupDir,
      prefixResolved: spec.prefix,
      targetEntries: 0,
      freeKib: 1_000_000,
      ...b,
      sizes: new Map(Object.entries(b.sizes ?? {})),
    }]);
  }
  return factsOf(values);
}

function line(step: string, change: Change): string {
  return `${step}: ${change.action} ${change.target}${change.detail ? ` (${change.detail})` : ""}`;
}

for (const c of cases) {
  Deno.test(`uninstall plan: ${c.name}`, () => {
    const spec = specOf(c);
    const facts = factsFor(c, spec);
    const earlier: EarlierStep[] = [];
    const lines: string[] = [];
    let error: Case["error"] | undefined;
    for (const step of uninstallSteps(spec)) {
      try {
        const changes = step.plan(facts, earlier);
        earlier.push({ step, changes });
        lines.push(...changes.map((change) => line(step.name, change)));
      } catch (e) {
        if (!(e instanceof MusterError)) throw e;
        error = { step: step.name, exitCode: e.exitCode, message: e.message };
        break;
      }
    }
    if (c.error) assertEquals(error, c.error);
    else assertEquals(error, undefined);
    assertEquals(lines, c.changes ?? []);
  });
}
