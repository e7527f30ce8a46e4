import { type Fact, HOST_UID } from "../engine/fact.ts";
import { sh } from "../transport/quote.ts";

/** Who commands run as on the host (after `become`). */
export interface Identity {
  uid: number;
}

/** The uid, asked once by the facts' script (`id -u`): roles only ask whether it is root's. */
export const identityFact: Fact<Identity> = {
  key: "identity",
  command: `printf '%s\\n' ${HOST_UID}`,
  parse: (output) => ({ uid: Number(output.trim()) }),
};

/** A system account as `getent` reports it. */
export interface Account {
  user?: { uid: number; gid: number; home: string; shell: string };
  group?: { gid: number };
}

/** The user and the group named `name`. */
export function accountFact(name: string): Fact<Account> {
  return {
    key: `account:${name}`,
    command: sh`printf 'user:'; getent passwd ${name}; printf '\\ngroup:'; getent group ${name}; true`,
    parse: parseAccount,
  };
}

/** Parses the output of `accountFact`. */
export function parseAccount(output: string): Account {
  const account: Account = {};
  for (const line of output.split("\n")) {
    if (line.startsWith("user:") && line.length > 5) {
      const [, , uid, gid, , home, shell] = line.slice(5).split(":");
      account.user = { uid: Number(uid), gid: Number(gid), home, shell };
    } else if (line.startsWith("group:") && line.length > 6) {
      account.group = { gid: Number(line.slice(6).split(":")[2]) };
    }
  }
  return account;
}

/** Processes running as `user` (`pid command` lines). */
export function processesFact(user: string): Fact<string[]> {
  return {
    key: `processes:${user}`,
    command: sh`ps -o pid=,args= -u ${user} 2>/dev/null; true`,
    parse: (output) => output.split("\n").map((line) => line.trim()).filter(Boolean),
  };
}
