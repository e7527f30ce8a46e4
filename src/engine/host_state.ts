/**
 * Where muster keeps its own state on a host (locks, the audit trail, the checksum records):
 * `/var/lib/muster` as root, else the user's state directory (`$XDG_STATE_HOME/muster`, by
 * default `~/.local/state/muster`). One place, so that a run makes its directories at once.
 */
import { HOST_UID } from "./fact.ts";

const ROOT_STATE = "/var/lib/muster";
const USER_STATE = `"\${XDG_STATE_HOME:-$HOME/.local/state}/muster"`;

/** The state directories a run that changes a host needs. */
export const STATE_SUBDIRS = ["locks", "audit", "checksums"] as const;

/** Shell for the state directory (one subshell: for facts that run once). */
export const STATE_DIR = `"$(if [ ${HOST_UID} = 0 ]; then echo ${ROOT_STATE}; else echo ${USER_STATE}; fi)"`;

/** Shell that sets `VAR` to the state directory (plus `/SUB`, already quoted) with no subshell. */
export function setStateVar(variable: string, sub = ""): string {
  return `if [ ${HOST_UID} = 0 ]; then ${variable}=${ROOT_STATE}${sub}; else ${variable}=${USER_STATE}${sub}; fi`;
}
