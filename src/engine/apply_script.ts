import { quote } from "../transport/quote.ts";
import type { Change, Op } from "./change.ts";
import { ASK_HOST_UID } from "./fact.ts";
import { placeFunctions, Placer, type Upload, type UploadOp } from "./place.ts";

export type { Upload } from "./place.ts";

/** A step's changes as apply sees them. */
export interface ApplyUnit {
  /** Changes whose ops run, in order. */
  changes: Change[];
  /** Shell run when this step or a later one fails, to undo it. */
  rollback?: string;
  /** Shell run at the script's end whatever happened, once this step started (after rollbacks). */
  finally?: string;
}

/** The apply script of a host and the files it needs staged. */
export interface ApplyScript {
  script: string;
  uploads: Upload[];
}

/**
 * Builds the one script that applies every change of a host, in step order, with `set -e`.
 * Each step announces itself with a marker on stdout and stderr, so a failure is pinned
 * to its step; steps may call `muster_warn TEXT`, `muster_note KEY VALUE` and
 * `muster_exit_at_least N` (non-fatal outcomes). Files are put in place atomically, made
 * ready in the stage first (`place.ts`). On failure the rollbacks of the started steps run,
 * newest first. Sources that are local paths are used in place when `localSources`; small
 * texts are written by the script.
 *
 * Step markers carry the host's clock (its uptime, `u12.34`, where /proc/uptime is; else
 * `date +%s%N`), and the script's end says when it ended (`end:TIME`), so steps are timed
 * where they run. A step may say what kind of failure it would be with `muster_category
 * NAME` just before it fails. With `mergeStderr`, standard error goes to standard output
 * (the order of the lines is kept, for `--verbose`).
 */
export function applyScript(
  units: ApplyUnit[],
  options: {
    nonce: string;
    stage: string;
    localSources: boolean;
    mergeStderr?: boolean;
    uid?: number;
    /** The files come unpacked in the stage with the script (`bundle.ts`), with their modes. */
    bundled?: boolean;
  },
): ApplyScript {
  const { nonce, stage } = options;
  const body: string[] = [];
  const allOps = units.flatMap((unit) => unit.changes.flatMap((change) => change.ops));
  const placer = new Placer(allOps.filter((op): op is UploadOp => op.kind === "upload"), options);
  // Of the ops that write one file whole, only the last runs: the earlier ones' work is replaced.
  const lastWrite = new Map<string, Op>();
  for (const op of allOps) {
    if (op.kind === "sh" && op.writes !== undefined) lastWrite.set(op.writes, op);
  }
  units.forEach((unit, index) => {
    body.push(`muster_step=${index}; muster_mark ${index}`);
    // Uploads in a row are placed together: a few processes for the lot, not four a file.
    let group: UploadOp[] = [];
    const flush = () => {
      if (group.length) body.push(placer.place(group));
      group = [];
    };
    for (const change of unit.changes) {
      for (const op of change.ops) {
        if (op.kind === "upload") {
          group.push(op);
          continue;
        }
        flush();
        if (op.writes === undefined || lastWrite.get(op.writes) === op) body.push(op.script);
      }
    }
    flush();
  });
  const rollbacks = units
    .map((unit, index) =>
      unit.rollback ? `  if [ "$muster_step" -ge ${index} ]; then ${unit.rollback}\n  fi` : ""
    )
    .filter(Boolean)
    .reverse();
  const finals = units
    .map((unit, index) =>
      unit.finally ? `  if [ "$muster_step" -ge ${index} ]; then ${unit.finally}\n  fi` : ""
    )
    .filter(Boolean);
  const mark = `@@muster-${nonce}`;
  const prelude = [
    "set -e",
    ...(options.mergeStderr ? ["exec 2>&1"] : []),
    "umask 022",
    options.uid === undefined ? ASK_HOST_UID : `muster_uid=${options.uid}`,
    "muster_step=-1",
    "muster_remove_last=",
    // The clock is the host's uptime where /proc has it (read by the shell itself: no
    // process per step), else `date`.
    "if [ -r /proc/uptime ]; then muster_clock() { read -r muster_now muster_idle < /proc/uptime; " +
    'muster_now="u$muster_now"; }; else muster_clock() { muster_now=$(date +%s%N); }; fi',
    // Merged, standard error is standard output: one marker is enough.
    `muster_mark() { muster_clock; printf '%s\\n' "${mark}-step:$1:$muster_now";${
      options.mergeStderr ? "" : ` printf '%s\\n' "${mark}-step:$1" >&2;`
    } }`,
    `muster_warn() { printf '%s\\n' "${mark}-warn:$*"; }`,
    `muster_category() { printf '%s\\n' "${mark}-category:$1"; }`,
    `muster_note() { printf '%s\\n' "${mark}-note:$1=$2"; }`,
    `muster_exit_at_least() { printf '%s\\n' "${mark}-exit:$1"; }`,
    placeFunctions(stage, placer.dirs),
    "muster_rollback() {",
    ...(rollbacks.length ? rollbacks : ["  :"]),
    "}",
    "muster_finally() {",
    ...(finals.length ? finals : ["  :"]),
    "}",
    // The end is timed before the rollback and told after the cleanup, never in its way: a
    // closed output cannot stop the rollback.
    `trap 'muster_rc=$?; muster_clock || :; muster_end=$muster_now; set +e; ` +
    `if [ "$muster_rc" -ne 0 ]; then muster_rollback; fi; muster_finally; ` +
    // The stage and what a hold's release left to remove (its lock): one rm for both.
    `if [ -e ${quote(stage)} ] || [ -n "$muster_remove_last" ]; then ` +
    `rm -rf -- ${quote(stage)} \${muster_remove_last:+"$muster_remove_last"}; fi; ` +
    `printf "%s\\n" "${mark}-end:$muster_end" 2>/dev/null || :' EXIT`,
    // A cancelled run (its host out of time) closes the output and sends SIGTERM: exit, so
    // that the EXIT trap rolls back, with SIGPIPE ignored from then on since nobody reads
    // the output any more. A handler (not an ignore) so that the commands run keep theirs.
    `trap 'trap "" PIPE; exit 141' PIPE; trap 'trap "" PIPE; exit 143' TERM; trap 'trap "" PIPE; exit 129' HUP`,
  ];
  return {
    script: [...prelude, ...body, `printf '%s\\n' "${mark}-done"`, ""].join("\n"),
    uploads: placer.uploads,
  };
}

/** What the apply script's output says. */
export interface ApplyOutcome {
  /** Index of the last step that started, -1 if none. */
  lastStep: number;
  /** Whether the script reached its end. */
  done: boolean;
  /** Standard error written after the last step marker (the failing step's words). */
  stepStderr: string;
  warnings: Map<number, string[]>;
  notes: Map<string, string>;
  /** Highest exit code asked for by `muster_exit_at_least`, by step. */
  exitAtLeast: Map<number, number>;
  /** The category a step named with `muster_category`, by step (the last one wins). */
  categories: Map<number, string>;
  /** When each step started, in milliseconds of the host's clock. */
  startedMs: Map<number, number>;
  /** When the script ended, in milliseconds of the host's clock. */
  endedMs?: number;
}

/**
 * How long each step that started took, by the host's clock: until the next step started,
 * the last one until the script ended. Steps without a time are left out.
 */
export function stepDurations(outcome: ApplyOutcome): Map<number, number> {
  const out = new Map<number, number>();
  const starts = [...outcome.startedMs].sort(([a], [b]) => a - b);
  starts.forEach(([unit, started], i) => {
    const next = i + 1 < starts.length ? starts[i + 1][1] : outcome.endedMs;
    if (next !== undefined) out.set(unit, Math.max(0, next - started));
  });
  return out;
}

/**
 * Reads a host clock: its uptime in seconds (`u12345.67`, from /proc/uptime), or `date
 * +%s%N`: nanoseconds, or seconds where `%N` is not supported (`1700000000N`,
 * `1700000000%N`); undefined when it is none of them. Only differences of one host's
 * clock are used.
 *
 * @example
 * ```ts
 * import { hostClockMs } from "./apply_script.ts";
 * hostClockMs("u12345.67"); // => 12345670
 * hostClockMs("1700000000123456789"); // => 1700000000123.4568
 * hostClockMs("1700000000N"); // => 1700000000000
 * ```
 */
export function hostClockMs(text: string): number | undefined {
  const uptime = /^u(\d+(?:\.\d+)?)$/.exec(text.trim());
  if (uptime) return Math.round(Number(uptime[1]) * 1000);
  const match = /^(\d+)(%?N)?$/.exec(text.trim());
  if (!match) return undefined;
  if (match[2] || match[1].length <= 12) return Number(match[1]) * 1000;
  return Number(match[1]) / 1e6;
}

/** Reads the markers in an apply script's output. */
export function parseApplyOutput(
  stdout: string,
  stderr: string,
  nonce: string,
  options: { merged?: boolean } = {},
): ApplyOutcome {
  const mark = `@@muster-${nonce}-`;
  const outcome: ApplyOutcome = {
    lastStep: -1,
    done: false,
    stepStderr: "",
    warnings: new Map(),
    notes: new Map(),
    exitAtLeast: new Map(),
    categories: new Map(),
    startedMs: new Map(),
  };
  const lines = stdout.split("\n");
  for (const line of lines) {
    if (!line.startsWith(mark)) continue;
    const rest = line.slice(mark.length);
    if (rest === "done") outcome.done = true;
    else if (rest.startsWith("step:")) {
      const [unit, clock] = rest.slice(5).split(":");
      outcome.lastStep = Number(unit);
      const ms = clock === undefined ? undefined : hostClockMs(clock);
      if (ms !== undefined) outcome.startedMs.set(outcome.lastStep, ms);
    } else if (rest.startsWith("end:")) outcome.endedMs = hostClockMs(rest.slice(4));
    else if (rest.startsWith("category:")) outcome.categories.set(outcome.lastStep, rest.slice(9));
    else if (rest.startsWith("warn:")) {
      const list = outcome.warnings.get(outcome.lastStep) ?? [];
      list.push(rest.slice(5));
      outcome.warnings.set(outcome.lastStep, list);
    } else if (rest.startsWith("note:")) {
      const [key, ...value] = rest.slice(5).split("=");
      outcome.notes.set(key, value.join("="));
    } else if (rest.startsWith("exit:")) {
      const code = Number(rest.slice(5));
      outcome.exitAtLeast.set(
        outcome.lastStep,
        Math.max(code, outcome.exitAtLeast.get(outcome.lastStep) ?? 0),
      );
    }
  }
  if (options.merged) {
    // Standard error went to standard output: the failing step's words follow its marker there.
    const from = lines.findLastIndex((line) => line.startsWith(`${mark}step:`));
    outcome.stepStderr = [...lines.slice(from + 1), ...stderr.split("\n")]
      .filter((line) => !line.startsWith(mark)).join("\n").trim();
    return outcome;
  }
  const markers = [...stderr.matchAll(new RegExp(`${escape(mark)}step:\\d+\\n`, "g"))];
  const last = markers.at(-1);
  outcome.stepStderr = (last ? stderr.slice(last.index! + last[0].length) : stderr).trim();
  return outcome;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
