/**
 * An inventory given inline as a comma-separated list of hosts (`-i web1,web2:2222,`), as
 * Ansible's `host_list` plugin reads it: no ranges, every host in `ungrouped`.
 */

import { HostPatternError, parseAddress } from "./host_range.ts";
import type { InventoryData } from "./inventory_data.ts";

/**
 * Adds the hosts of an inline list to `data`.
 *
 * @example
 * ```ts
 * import { InventoryData } from "./inventory_data.ts";
 * import { readHostList } from "./host_list.ts";
 * const data = new InventoryData();
 * readHostList("web1, web2:2222,", data);
 * data.hosts.get("web2")?.vars; // => { ansible_port: 2222 }
 * ```
 */
export function readHostList(list: string, data: InventoryData): void {
  for (const item of list.split(",")) {
    const text = item.trim();
    if (!text) continue;
    let host = text;
    let port: number | undefined;
    try {
      ({ host, port } = parseAddress(text, false));
    } catch (error) {
      if (!(error instanceof HostPatternError)) throw error;
    }
    if (!data.hosts.has(host)) data.addHost(host, "ungrouped", port);
  }
}
