import type { Change } from "./change.ts";
import type { Fact, Facts } from "./fact.ts";

/** A step planned before this one on the same host. */
export interface EarlierStep {
  step: Step;
  changes: Change[];
}

/**
 * A step of a role: it declares the facts it needs, compares them with the wanted state
 * and returns the changes. An empty list means "nothing to do".
 */
export interface Step {
  /** Role name (`user`, `install`, ...). */
  role: string;
  /** Step name within the role (`directories`, `binaries`, ...). */
  name: string;
  /** Exit code of the host when this step fails. */
  exitCode: number;
  /** Facts gathered before planning. */
  facts: Fact<unknown>[];
  /**
   * Compares facts with the wanted state. Throws a `MusterError` when the host cannot
   * be brought there (the step fails with that error's exit code).
   */
  plan(facts: Facts, earlier: readonly EarlierStep[]): Change[];
  /**
   * Shell that checks the result after apply (run once per host, after every step, only
   * when something changed); it prints what is wrong on stderr and exits non-zero.
   */
  verify?(facts: Facts): string | undefined;
  /** Shell that undoes this step when it or a later step fails during apply. */
  rollback?(facts: Facts): string | undefined;
  /**
   * A hold on the host for the whole apply (a lock): `take` runs as this step's op, before
   * any other step's change, on every host that changes (also when this step plans none);
   * `release` runs at the script's end whatever happened, once `take` started (it sees
   * `$muster_rc`, the script's exit status). A release that ends by removing a file sets
   * `muster_remove_last` to its path instead: the script removes it with its stage, in one
   * `rm`, once every release ran. Hosts that change nothing take no hold.
   */
  hold?(facts: Facts): { take: string; release: string } | undefined;
}
