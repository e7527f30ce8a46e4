import type { Fleet } from "../tests/fleet/fleet.ts";
import type { Source } from "./workload.ts";

/** What every measured scenario needs: the running fleet and the inputs of the install. */
export interface BenchContext {
  fleet: Fleet;
  /** The fleet's inventory with the benchmark's host variables (read by muster and Ansible). */
  inventory: string;
  source: Source;
  /** A scratch directory of this benchmark run (floor stage, Ansible's temp dirs). */
  work: string;
  /** Extra arguments of every muster run (`--muster-flags`). */
  musterFlags?: string[];
}
