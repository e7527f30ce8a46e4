/**
 * Where a host's uploads wait for its apply script: a private directory under /var/tmp,
 * which is on the root filesystem on most systems (as are /usr/local, /opt and /etc), so
 * that moving a staged file into place is a rename. /tmp is often a tmpfs: a file staged
 * there would be written twice, and held in memory meanwhile. /tmp where /var/tmp is not a
 * directory everyone may write to (sticky, mode 1777).
 */
import type { Fact } from "./fact.ts";

/** The directory the host's stage directory goes in: /var/tmp, else /tmp. */
export const stageRootFact: Fact<string> = {
  key: "stage-root",
  command: `[ "$(stat -c %a /var/tmp 2>/dev/null)" = 1777 ] && echo /var/tmp || echo /tmp`,
  parse: (output) => output.trim() === "/var/tmp" ? "/var/tmp" : "/tmp",
};
