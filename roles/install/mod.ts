import type { Step } from "../../src/engine/step.ts";
import type { Artifacts } from "../../src/app/artifacts.ts";
import type { AppSpec } from "../../src/app/spec.ts";
import { binariesStep } from "./binaries.ts";
import { cleanFinishStep, cleanStep } from "./clean.ts";
import { directoriesStep } from "./directories.ts";
import { fileStep } from "./files.ts";
import { packagesStep } from "./packages.ts";

export { cleanFinishStep, cleanStep };

/**
 * `install`: layout, artifacts, Python packages and the app's files, in that order. With
 * `managed`, a kept file (configuration) that differs from the inventory's is replaced.
 */
export function installSteps(
  spec: AppSpec,
  artifacts: Artifacts,
  options: { managed?: boolean; checksum?: boolean } = {},
): Step[] {
  return [
    directoriesStep(spec),
    binariesStep(spec, artifacts, { checksum: options.checksum }),
    packagesStep(spec, artifacts),
    ...(spec.app.definition.files ?? []).map((file) => fileStep(spec, file, options)),
  ];
}
