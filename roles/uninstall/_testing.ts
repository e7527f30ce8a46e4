/** Test helpers: facts as data, and a fake prepared host. */
import type { Fact, Facts } from "../../src/engine/fact.ts";

/** Facts answered from values given per fact (by key); a missing one throws like the engine. */
export function factsOf(values: Array<[Fact<unknown>, unknown]>): Facts {
  const byKey = new Map(values.map(([fact, value]) => [fact.key, value]));
  return {
    get<T>(fact: Fact<T>): T {
      if (!byKey.has(fact.key)) throw new Error(`Fact '${fact.key}' was not gathered`);
      return byKey.get(fact.key) as T;
    },
  };
}
