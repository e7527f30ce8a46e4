/**
 * The order in which Ansible merges a host's variables (its default `VARIABLE_PRECEDENCE`,
 * then host variables and extra variables), lowest precedence first:
 *
 * 1. `all`'s variables from inventory files;
 * 2. the host's other groups' variables from inventory files, groups sorted by depth,
 *    then `ansible_group_priority`, then name (`sortGroups`);
 * 3. `group_vars/all` of each inventory source, in source order;
 * 4. `group_vars/<group>` of each source, source by source, groups sorted as in 2;
 * 5. the host's variables from inventory files;
 * 6. `host_vars/<host>` of each source;
 * 7. extra variables (`-e`).
 *
 * Merging replaces whole values (Ansible's default `hash_behaviour = replace`).
 */

import type { VarsLayer } from "./vars_files.ts";

/** What goes into a host's variables, each part already read. */
export interface HostVarParts {
  /** `all`'s variables from inventory files. */
  all: VarsLayer;
  /** The host's other groups' variables from inventory files, in `sortGroups` order. */
  groups: VarsLayer[];
  /** For each source directory: its `group_vars/all`. */
  allFiles: (VarsLayer | undefined)[];
  /** For each source directory: `group_vars/<group>` of each group, in `sortGroups` order. */
  groupFiles: (VarsLayer | undefined)[][];
  /** The host's variables from inventory files. */
  host: VarsLayer;
  /** For each source directory: its `host_vars/<host>`. */
  hostFiles: (VarsLayer | undefined)[];
  /** Extra variables. */
  extra?: VarsLayer;
}

/**
 * The layers of a host's variables, lowest precedence first, ready for `mergeLayers`.
 *
 * @example
 * ```ts
 * import { hostVarLayers } from "./precedence.ts";
 * import { mergeLayers } from "./vars_files.ts";
 * const layer = (vars: Record<string, unknown>) => ({ vars, positions: {} });
 * const merged = mergeLayers(hostVarLayers({
 *   all: layer({ x: "all" }),
 *   groups: [layer({ x: "web" })],
 *   allFiles: [layer({ x: "group_vars/all" })],
 *   groupFiles: [[undefined]],
 *   host: layer({}),
 *   hostFiles: [undefined],
 * }));
 * merged.vars.x; // => "group_vars/all"
 * ```
 */
export function hostVarLayers(parts: HostVarParts): (VarsLayer | undefined)[] {
  return [
    parts.all,
    ...parts.groups,
    ...parts.allFiles,
    ...parts.groupFiles.flat(),
    parts.host,
    ...parts.hostFiles,
    parts.extra,
  ];
}
