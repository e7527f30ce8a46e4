import type { Fact } from "../engine/fact.ts";
import { UNIT_DIR } from "../app/app.ts";
import { sh } from "../transport/quote.ts";

/** What `systemctl` says of a unit. */
export interface UnitState {
  /** As `systemctl is-enabled` says it: enabled, disabled, static, masked… */
  enabled: string;
  /** As `systemctl is-active` says it: active, inactive, failed, activating… */
  active: string;
}

/**
 * Whether `systemctl` exists, and the state of each unit that has a unit file, from one
 * `systemctl show` for all of them (each call of a daemonless systemctl starts Python).
 * `show` prints every property, a blank line between units: its `-p` takes a single
 * property on the daemonless systemctl, so no filter is asked for.
 */
export function unitStatesFact(units: string[]): Fact<{ systemctl: boolean; units: Map<string, UnitState> }> {
  return {
    key: `units:${units.join(",")}`,
    // A unit without a unit file is neither enabled nor active: systemctl is not asked.
    command:
      sh`if command -v systemctl >/dev/null 2>&1; then echo systemctl; set --; for u in ${units}; do ` +
      sh`[ -f ${UNIT_DIR}/"$u".service ] || [ -f /lib/systemd/system/"$u".service ] || continue; ` +
      `set -- "$@" "$u.service"; done; [ $# -eq 0 ] || systemctl show "$@" 2>/dev/null; fi`,
    parse(output) {
      const [first, ...rest] = output.split("\n");
      return { systemctl: first === "systemctl", units: parseShow(rest.join("\n")) };
    },
  };
}

/** Each unit's state in `systemctl show` output, keyed by unit name without `.service`. */
export function parseShow(output: string): Map<string, UnitState> {
  const states = new Map<string, UnitState>();
  for (const block of output.split(/\n\s*\n/)) {
    const properties = new Map(
      block.split("\n").map((line) => {
        const at = line.indexOf("=");
        return [line.slice(0, at), line.slice(at + 1)];
      }),
    );
    const id = properties.get("Id");
    if (!id) continue;
    states.set(id.replace(/\.service$/, ""), {
      enabled: properties.get("UnitFileState") || "unknown",
      active: properties.get("ActiveState") || "unknown",
    });
  }
  return states;
}

/**
 * Whether a unit file runs something of this prefix: its command, or a file it is given
 * (`python3 PREFIX/bin/x.py`). Units of another installation are left alone.
 */
export function unitBelongs(content: string | undefined, prefix: string): boolean {
  if (content === undefined) return false;
  return content.split("\n").some((line) => {
    const match = /^\s*ExecStart\s*=\s*[-@+!:]*(.*)$/.exec(line);
    return match !== null && match[1].split(/\s+/).some((word) => word.startsWith(`${prefix}/`));
  });
}
