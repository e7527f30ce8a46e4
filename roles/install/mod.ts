import type { Step } from "../../src/engine/step.ts";
import type { Artifacts } from "../../src/app/artifacts.ts";
import type { AppSpec } from "../../src/app/spec.ts";
import { binariesStep } from "./binaries.ts";
import { cleanFinishStep, cleanStep } from "./clean.ts";
import { directoriesStep } from "./directories.ts";
import { fileStep } from "./files.ts";
import { packagesStep } from "./packages.ts";
import { keepStep, type ReleaseOptions, switchStep } from "../release/mod.ts";

export { cleanFinishStep, cleanStep };

/**
 * `install`: layout, artifacts, Python packages and the app's files, in that order. With
 * `managed`, a kept file (configuration) that differs from the inventory's is replaced.
 * What the artifacts and packages replace is kept as a release (and put back when a later
 * step fails); what they bring becomes the current release (`releases: false`: neither, for
 * `status`, whose drift is in the files themselves).
 */
export function installSteps(
  spec: AppSpec,
  artifacts: Artifacts,
  options: { managed?: boolean; checksum?: boolean; releases?: ReleaseOptions | false } = {},
): Step[] {
  const releases = options.releases;
  return [
    directoriesStep(spec),
    ...(releases === false ? [] : [keepStep(spec, artifacts, { ...releases, checksum: options.checksum })]),
    binariesStep(spec, artifacts, { checksum: options.checksum }),
    packagesStep(spec, artifacts),
    ...(releases === false ? [] : [switchStep(spec, artifacts, { ...releases, checksum: options.checksum })]),
    ...(spec.app.definition.files ?? []).map((file) => fileStep(spec, file, options)),
  ];
}
