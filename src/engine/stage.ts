/**
 * Where a host's uploads wait for its apply script: a private directory under /var/tmp,
 * which is on the root filesystem on most systems (as are /usr/local, /opt and /etc), so
 * that moving a staged file into place is a rename. /tmp is often a tmpfs: a file staged
 * there would be written twice, and held in memory meanwhile. /tmp where /var/tmp is not a
 * directory everyone may write to (sticky, mode 1777).
 */
import type { Fact } from "./fact.ts";
import { pathsFact } from "./paths.ts";

const VAR_TMP = "/var/tmp";
const varTmp = pathsFact([VAR_TMP]);

/** The directory the host's stage directory goes in: /var/tmp, else /tmp (gathered with the paths facts). */
export const stageRootFact: Fact<string> = {
  ...varTmp,
  key: "stage-root",
  parse(output, code) {
    const state = varTmp.parse(output, code).get(VAR_TMP);
    return state?.type === "directory" && state.mode === 0o1777 ? VAR_TMP : "/tmp";
  },
};
