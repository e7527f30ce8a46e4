import { type Change, shOp } from "../../src/engine/change.ts";
import type { Facts } from "../../src/engine/fact.ts";
import { pathsFact, type PathState } from "../../src/facts/files.ts";
import { identityFact } from "../../src/facts/identity.ts";
import type { AppSpec } from "../../src/app/spec.ts";
import { sh } from "../../src/transport/quote.ts";

/** Whether the install is system-wide: commands run as root on the host. */
export function systemWide(facts: Facts): boolean {
  return facts.get(identityFact).uid === 0;
}

/** Owner of installed files: the service user system-wide, else whoever installs. */
export function ownerOf(facts: Facts, spec: AppSpec): string | undefined {
  return systemWide(facts) ? spec.serviceUser : undefined;
}

/** The prefix's own state. */
export function prefixFact(spec: AppSpec) {
  return pathsFact([spec.prefix]);
}

/** Whether `--clean` will move an existing installation aside, so later steps start from nothing. */
export function cleaning(facts: Facts, spec: AppSpec): boolean {
  return spec.clean && facts.get(prefixFact(spec)).has(spec.prefix);
}

/** `0755`-style mode text. */
export function modeText(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}

/**
 * The change that fixes a path's mode and owner, or undefined when both are right.
 * Owner is only checked when `owner` is given (system-wide installs).
 */
export function attributesChange(
  path: string,
  state: PathState,
  want: { mode: number; owner?: string },
): Change | undefined {
  const details: string[] = [];
  const ops = [];
  if (state.mode !== want.mode) {
    details.push(`mode ${modeText(state.mode)} -> ${modeText(want.mode)}`);
    ops.push(shOp(sh`chmod ${modeText(want.mode)} ${path}`));
  }
  if (want.owner && (state.owner !== want.owner || state.group !== want.owner)) {
    details.push(`owner ${state.owner}:${state.group} -> ${want.owner}:${want.owner}`);
    ops.push(shOp(sh`chown -h ${want.owner}:${want.owner} ${path}`));
  }
  if (ops.length === 0) return undefined;
  return { action: "change", target: path, detail: details.join(", "), ops };
}
