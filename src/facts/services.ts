import type { Fact } from "../engine/fact.ts";
import { UNIT_DIR } from "../flame/layout.ts";
import { sh } from "../transport/quote.ts";

/** What `systemctl` says of a unit. */
export interface UnitState {
  enabled: string;
  active: string;
}

/** Whether `systemctl` exists, and each unit's `is-enabled` / `is-active` answer. */
export function unitStatesFact(units: string[]): Fact<{ systemctl: boolean; units: Map<string, UnitState> }> {
  return {
    key: `units:${units.join(",")}`,
    // A unit without a unit file is neither enabled nor active: systemctl is not asked.
    command: sh`if command -v systemctl >/dev/null 2>&1; then echo systemctl; for u in ${units}; do ` +
      sh`[ -f ${UNIT_DIR}/"$u".service ] || [ -f /lib/systemd/system/"$u".service ] || continue; ` +
      `printf '%s %s %s\\n' "$u" "$(systemctl is-enabled "$u.service" 2>/dev/null | head -n1)" ` +
      `"$(systemctl is-active "$u.service" 2>/dev/null | head -n1)"; done; fi`,
    parse(output) {
      const lines = output.split("\n");
      const states = new Map<string, UnitState>();
      for (const line of lines.slice(1)) {
        const [unit, enabled, active] = line.split(" ");
        if (unit) states.set(unit, { enabled: enabled || "unknown", active: active || "unknown" });
      }
      return { systemctl: lines[0] === "systemctl", units: states };
    },
  };
}
