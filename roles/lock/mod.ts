/**
 * `lock`: a run that changes a host holds a lock on it for the app (who, from where, which
 * command, since when), taken atomically (`set -C`) before any change and released at the
 * end, also on failure; the same end appends a line to the host's audit trail. A second run
 * finds the lock among the facts and refuses the host before changing anything, unless the
 * holder is gone (stale). `lock release`, `lock status` and `audit` read or clear them.
 */
import { shOp } from "../../src/engine/change.ts";
import { UsageError } from "../../src/engine/errors.ts";
import type { Fact } from "../../src/engine/fact.ts";
import { setStateVar, STATE_DIR, STATE_SUBDIRS } from "../../src/engine/host_state.ts";
import type { Step } from "../../src/engine/step.ts";
import type { App } from "../../src/app/app.ts";
import { quote, raw, sh } from "../../src/transport/quote.ts";
import { currentMarker } from "../release/store.ts";
import { printLines, readLine } from "../../src/engine/read_text.ts";

/** Shell that sets `muster_state` to the state directory with no subshell. */
const SET_STATE = setStateVar("muster_state");

/** Who holds (or asks for) a lock: written into the lock file and the audit trail. */
export interface Holder {
  /** The user muster runs as on the controller. */
  user: string;
  /** The controller's host name. */
  controller: string;
  pid: number;
  /** The command line. */
  command: string;
  app: string;
  /** ISO time the run started. */
  started: string;
}

/** How a lock's holder is told gone. */
export interface Staleness {
  /** This controller's host name: a holder from it whose pid is gone is stale. */
  controller: string;
  /** Whether a pid runs on this controller. */
  alive(pid: number): boolean;
  now: Date;
  /** A lock older than this is stale whoever holds it. @default 4 hours */
  maxAgeMs?: number;
}

/** The default age after which a lock is stale. */
export const MAX_LOCK_AGE_MS = 4 * 3600_000;

/** Whether a lock's holder is gone: same controller and its process ended, or too old. */
export function isStale(holder: Holder, by: Staleness): boolean {
  if (holder.controller === by.controller && !by.alive(holder.pid)) return true;
  const started = Date.parse(holder.started);
  return !Number.isFinite(started) || by.now.getTime() - started > (by.maxAgeMs ?? MAX_LOCK_AGE_MS);
}

/** How a holder reads in messages: `root@ctl (pid 42, since 2026-...Z): muster install ...`. */
export function describeHolder(holder: Holder): string {
  return `${holder.user}@${holder.controller} (pid ${holder.pid}, since ${holder.started}): ${holder.command}`;
}

/** A lock as found on a host: its holder and the file's text (to take it over only if unchanged). */
export interface FoundLock {
  holder: Holder;
  text: string;
}

/**
 * The lock file's name of an installation: the app and its prefix (`flame_usr_local_flame.lock`),
 * so installations of one app in two prefixes are changed independently.
 */
export function lockName(app: App, prefix: string): string {
  return `${app.name}_${prefix.replace(/^\/+/, "").replace(/[^A-Za-z0-9_.-]/g, "_")}.lock`;
}

/** The installation's lock on the host, if any. */
export function lockFact(app: App, prefix: string): Fact<FoundLock | undefined> {
  return {
    key: `lock:${lockName(app, prefix)}`,
    command: `${SET_STATE}; ${printLines(`"$muster_state"/locks/${quote(lockName(app, prefix))}`)}; true`,
    parse(output) {
      const text = output.trim();
      if (!text) return undefined;
      try {
        const holder = JSON.parse(text);
        if (holder && typeof holder === "object") return { holder, text };
      } catch { /* unreadable: shown as is */ }
      return {
        holder: { user: "?", controller: "?", pid: 0, command: text, app: app.name, started: "" },
        text,
      };
    },
  };
}

/** One line of a host's audit trail. */
export interface AuditEntry extends Omit<Holder, "pid"> {
  pid?: number;
  /** ISO time the run ended on the host. */
  time: string;
  /** The release before and after the run (content ids; empty when none). */
  before: string;
  after: string;
  outcome: "ok" | "failed" | "rolled-back";
}

/** The last `count` lines of the app's audit trail on the host, oldest first. */
export function auditFact(app: App, count: number): Fact<AuditEntry[]> {
  return {
    key: `audit:${app.name}:${count}`,
    command: `tail -n ${Math.max(1, Math.floor(count))} -- ${STATE_DIR}/audit/${
      quote(`${app.name}.jsonl`)
    } 2>/dev/null; true`,
    parse(output) {
      return output.split("\n").filter((line) => line.trim()).flatMap((line) => {
        try {
          return [JSON.parse(line) as AuditEntry];
        } catch {
          return [];
        }
      });
    },
  };
}

/** What the lock step is told. */
export interface LockOptions {
  app: App;
  /** The host's prefix: the audit trail records its release before and after. */
  prefix: string;
  holder: Holder;
  staleness: Staleness;
  /** Refuse a host whose lock is held (false in a dry run: it plans, and takes nothing). @default true */
  refuse?: boolean;
}

/**
 * The first step of a run that changes hosts: refuses a host locked by a run that is still
 * there (exit 1, naming it); on a host that changes, takes the lock before anything else and,
 * at the end, appends the audit line and releases it.
 */
export function lockStep(options: LockOptions): Step {
  const { app, holder } = options;
  const lock = lockFact(app, options.prefix);
  const lockFile = `"$muster_state"/locks/${quote(lockName(app, options.prefix))}`;
  const marker = currentMarker(options.prefix);
  return {
    role: "lock",
    name: "lock",
    exitCode: 1,
    facts: [lock],
    plan(facts) {
      const found = facts.get(lock);
      if (found && options.refuse !== false && !isStale(found.holder, options.staleness)) {
        throw new UsageError(`The host is locked by ${describeHolder(found.holder)}`, {
          hint: "wait for that run to end, or if it is gone: muster lock release -i INV -l HOST",
        });
      }
      return [];
    },
    hold(facts) {
      const found = facts.get(lock);
      const takeOver = found
        ? sh`if [ "$(cat -- ${raw(lockFile)} 2>/dev/null)" = ${found.text} ]; then rm -f -- ${
          raw(lockFile)
        }; muster_warn ${`took over the stale lock of ${describeHolder(found.holder)}`}; fi\n`
        : "";
      const take = [
        SET_STATE,
        // mkdir starts only on a host's first run, for all of the state's directories (the
        // checksum records' too); the lock is taken by the shell itself (noclobber: the file
        // is created, O_EXCL, or not at all), no subshell.
        STATE_SUBDIRS.map((sub) => `[ -d "$muster_state/${sub}" ]`).join(" && ") +
        ` || mkdir -p -- ${STATE_SUBDIRS.map((sub) => `"$muster_state/${sub}"`).join(" ")}`,
        takeOver +
        sh`set -C; if printf '%s\\n' ${JSON.stringify(holder)} 2>/dev/null > ${
          raw(lockFile)
        }; then set +C; muster_locked=1; ` +
        sh`else set +C; echo "The host is locked by another run: $(cat -- ${
          raw(lockFile)
        } 2>/dev/null)" >&2; exit 1; fi`,
        readLine("muster_release_before", marker),
      ].join("\n");
      const { pid: _pid, ...who } = holder;
      const fixed = JSON.stringify({ ...who, pid: holder.pid }).slice(0, -1);
      const release = [
        `if [ -n "$muster_locked" ]; then`,
        `  ${readLine("muster_after", marker)}`,
        `  if [ "$muster_rc" -eq 0 ]; then muster_outcome=ok; elif [ -n "$muster_rolled_back" ]; then muster_outcome=rolled-back; else muster_outcome=failed; fi`,
        sh`  printf '%s,"time":"%s","before":"%s","after":"%s","outcome":"%s"}\\n' ${fixed} ` +
        `"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$muster_release_before" "$muster_after" "$muster_outcome" ` +
        `>> "$muster_state"/audit/${quote(`${app.name}.jsonl`)}`,
        // Removed with the stage, in the same rm (see Step.hold).
        `  muster_remove_last=${lockFile}`,
        "fi",
      ].join("\n");
      return { take, release };
    },
  };
}

/** `lock release`: removes the installation's lock on the host, whoever holds it. */
export function lockReleaseStep(app: App, prefix: string): Step {
  const lock = lockFact(app, prefix);
  return {
    role: "lock",
    name: "release",
    exitCode: 1,
    facts: [lock],
    plan(facts) {
      const found = facts.get(lock);
      if (!found) return [];
      return [{
        action: "remove",
        target: `lock ${app.name} ${prefix}`,
        detail: `held by ${describeHolder(found.holder)}`,
        ops: [shOp(`rm -f -- ${STATE_DIR}/locks/${quote(lockName(app, prefix))}`)],
      }];
    },
  };
}
