import type { Step } from "../../src/engine/step.ts";
import type { Artifacts } from "../../src/flame/artifacts.ts";
import type { FlameSpec } from "../../src/flame/spec.ts";
import { binariesStep } from "./binaries.ts";
import { cleanFinishStep, cleanStep } from "./clean.ts";
import { directoriesStep } from "./directories.ts";
import { configStep, flmenvStep } from "./generated.ts";
import { sdkStep } from "./sdk.ts";

export { cleanFinishStep, cleanStep };

/**
 * `install`: layout, binaries, SDK, environment script and configuration, in that order.
 * With `managed`, a configuration that differs from the inventory's is replaced.
 */
export function installSteps(
  spec: FlameSpec,
  artifacts: Artifacts,
  options: { managed?: boolean } = {},
): Step[] {
  return [
    directoriesStep(spec),
    binariesStep(spec, artifacts),
    sdkStep(spec, artifacts),
    flmenvStep(spec),
    configStep(spec, options),
  ];
}
