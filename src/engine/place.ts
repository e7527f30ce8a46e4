/**
 * How the apply script puts files in place. Every file is first made ready in the host's
 * stage, a private directory (0700), under its target's name: unpacked there with the
 * script itself (`bundle.ts`) or uploaded there before it runs, copied there, or, for a
 * small text, written there by the script itself. There it is given its mode and owner: chmod and chown never touch a path
 * in the target's directory, which the service's own user may be able to change (and point
 * at another file). Then `muster_place` puts the files of each directory in place: renamed
 * over their targets by one `mv` where the stage is on the directory's filesystem, else
 * moved or copied beside them (`TARGET.muster-tmp`) and renamed over them. If a group fails
 * before its renames, nothing of it is replaced and what was put beside is removed.
 */
import { posix } from "node:path";
import { quote } from "../transport/quote.ts";
import type { Op } from "./change.ts";

export type UploadOp = Extract<Op, { kind: "upload" }>;

/** A file to send to the host before the script runs. */
export interface Upload {
  source: string | Uint8Array;
  sha256: string;
  /** Where the script expects it. */
  stagePath: string;
  /** The mode it is unpacked with, in a bundle (`bundle.ts`): its target's. @default 0o600 */
  mode?: number;
}

/** The apply script's name in the stage, where it comes with the uploads (`bundle.ts`): no staged file takes it. */
export const STAGED_SCRIPT = ".muster-apply";
/** The file in the stage that `muster_same_fs` reads the filesystems from: no staged file takes it either. */
const STAGED_DEVICES = ".muster-devs";

/** Largest file written by the script itself instead of uploaded. */
const INLINE_BYTES = 64 * 1024;

/**
 * Shell functions of the apply script's prelude, for the stage `stage` and the target
 * directories `dirs`: `muster_place DIR FILE...` puts staged files, each named as its target,
 * in DIR. Where the stage is on DIR's filesystem (one `stat` of the stage and every target
 * directory, the first time it is asked), that is one `mv`: each file renamed over its
 * target, atomically. Else, or under SELinux (a moved file would keep the stage's label,
 * which systemd may not execute), each is moved beside its target, or copied there (a new
 * file, never written through a link found there), then renamed over it.
 */
export function placeFunctions(stage: string, dirs: string[]): string {
  const listed = [stage, ...dirs].map((path) => quote(path)).join(" ");
  const devs = quote(`${stage}/${STAGED_DEVICES}`);
  return [
    "muster_movable=; [ -e /sys/fs/selinux/enforce ] || muster_movable=1; muster_devs=",
    // stat prints "DEV PATH" lines in order, the stage's first (none when it is missing),
    // into a file of the stage that the shell reads: no subshell.
    'muster_same_fs() { [ -n "$muster_movable" ] || return 1',
    `  if [ -z "$muster_devs" ]; then stat -c '%d %n' -- ${listed} > ${devs} 2>/dev/null || :; muster_devs=`,
    `    while IFS= read -r muster_line; do muster_devs="$muster_devs$muster_line` + '\n"; done < ' +
    `${devs} || :`,
    '    muster_devs="$muster_devs."; fi',
    '  muster_first=${muster_devs%%"\n"*}',
    `  [ "\${muster_first#* }" = ${quote(stage)} ] || return 1`,
    '  case "$muster_devs" in *"\n${muster_first%% *} $1\n"*) return 0 ;; esac; return 1; }',
    "muster_place() { muster_dir=$1; shift",
    '  if muster_same_fs "$muster_dir"; then mv -f -- "$@" "$muster_dir/"; return; fi',
    '  for muster_f; do if [ -n "$muster_movable" ]; then mv -f -- "$muster_f" "$muster_dir/${muster_f##*/}.muster-tmp"; ' +
    'else cp -p --remove-destination -- "$muster_f" "$muster_dir/${muster_f##*/}.muster-tmp"; fi || return; done',
    '  for muster_f; do mv -f -- "$muster_dir/${muster_f##*/}.muster-tmp" "$muster_dir/${muster_f##*/}" || return; done; }',
  ].join("\n");
}

/** Places the upload ops of one apply script, group by group, and says what to upload. */
export class Placer {
  readonly #stage: string;
  readonly #localSources: boolean;
  /** Each op's file in the stage, named as its target. */
  readonly #staged = new Map<UploadOp, string>();
  /** The ops whose source is a small text, which the script writes itself. */
  readonly #texts = new Map<UploadOp, string>();
  /** By content: the staged file it is uploaded to (its last use's, which moves it). */
  readonly #uploads = new Map<string, Upload>();
  /** Stage directories that exist when the script runs, or that it made. */
  readonly #made = new Set<string>();
  /** The uid the script runs as, when known. */
  readonly #uid?: number;
  /** Every op, for the owners given ahead of their group (see `place`). */
  readonly #ops: UploadOp[];
  /** Whether the files come unpacked with the script, each with its target's mode and the script's user as owner. */
  readonly #bundled: boolean;
  /** Ops whose staged file was given its owner already. */
  readonly #owned = new Set<UploadOp>();

  /**
   * @param ops every upload op of the script, in the order they run
   * @param options.bundled the files are unpacked in the stage with the script (`bundle.ts`):
   * small texts go with them rather than being written by the script, and each file arrives
   * with its mode
   */
  constructor(
    ops: UploadOp[],
    options: { stage: string; localSources: boolean; uid?: number; bundled?: boolean },
  ) {
    this.#stage = options.stage;
    this.#localSources = options.localSources;
    this.#uid = options.uid;
    this.#ops = ops;
    this.#bundled = options.bundled ?? false;
    // Files in the stage, and the directories made for a second target of the same name.
    const taken = new Set([STAGED_SCRIPT, STAGED_DEVICES].map((name) => `${this.#stage}/${name}`));
    const dirs = new Set<string>();
    for (const op of ops) {
      // Flat in the stage; a second target of the same name gets a directory of its own.
      const name = posix.basename(op.dest);
      let path = `${this.#stage}/${name}`;
      for (let n = 1; taken.has(path) || dirs.has(path); n++) {
        const dir = `${this.#stage}/.${n}`;
        if (!taken.has(dir)) path = `${dir}/${name}`;
      }
      taken.add(path);
      if (posix.dirname(path) !== this.#stage) dirs.add(posix.dirname(path));
      this.#staged.set(op, path);
      const text = this.#inPlace(op) || this.#bundled ? undefined : inlineText(op.source);
      if (text !== undefined) this.#texts.set(op, text);
      else if (!this.#inPlace(op)) {
        this.#uploads.set(op.sha256, {
          source: op.source,
          sha256: op.sha256,
          stagePath: path,
          mode: op.mode,
        });
      }
    }
    for (const upload of this.#uploads.values()) this.#made.add(posix.dirname(upload.stagePath));
  }

  /** The files to send before the script runs. */
  get uploads(): Upload[] {
    return [...this.#uploads.values()];
  }

  /** The directories the files go in (for `placeFunctions`). */
  get dirs(): string[] {
    return [...new Set([...this.#staged.keys()].map((op) => posix.dirname(op.dest)))];
  }

  /**
   * Shell that puts a group of files in place together: all of them, or none if one fails
   * before its renames. Bundled, an owner is given once: at the first group that needs it,
   * to every file of the script that comes with it (those files are all in the stage from
   * the start, and the owner exists by then, or that group fails).
   */
  place(group: UploadOp[]): string {
    const staged = (op: UploadOp) => quote(this.#staged.get(op)!);
    // A text the script writes is made 0644 (umask 022), a bundled file comes with its
    // mode, and both are owned by the script's user: a chmod or chown that would give a
    // file what it has is left out.
    const made = (op: UploadOp) => this.#texts.has(op) || this.#delivered(op);
    const hasMode = (op: UploadOp) => this.#delivered(op) || (this.#texts.has(op) && op.mode === 0o644);
    const byMode = Map.groupBy(
      group.filter((op) => !hasMode(op)),
      (op) => op.mode.toString(8).padStart(4, "0"),
    );
    const owner = (op: UploadOp) => `${op.owner}:${op.group ?? ""}`;
    const needsOwner = (op: UploadOp) =>
      op.owner !== undefined && !this.#owned.has(op) &&
      !(made(op) && this.#uid === 0 && isRoot(op.owner) && isRoot(op.group));
    const owners = new Set(group.filter(needsOwner).map(owner));
    const ahead = this.#ops.filter((op) =>
      !group.includes(op) && this.#delivered(op) && needsOwner(op) && owners.has(owner(op))
    );
    const byOwner = Map.groupBy([...group, ...ahead].filter(needsOwner), owner);
    for (const ops of byOwner.values()) for (const op of ops) this.#owned.add(op);
    const byDir = Map.groupBy(group, (op) => posix.dirname(op.dest));
    const steps = [
      ...group.flatMap((op) => this.#fill(op)),
      ...[...byMode].map(([mode, ops]) => `chmod ${mode} -- ${ops.map(staged).join(" ")}`),
      ...[...byOwner].map(([owner, ops]) => `chown ${quote(owner)} -- ${ops.map(staged).join(" ")}`),
      ...[...byDir].map(([dir, ops]) => `muster_place ${quote(dir)} ${ops.map(staged).join(" ")}`),
    ];
    // What was put beside its target (another filesystem) and not renamed is removed; rm
    // starts only where there is one.
    const beside = group.map((op) => quote(`${op.dest}.muster-tmp`)).join(" ");
    return `{ ${steps.join(" &&\n  ")}; } ||\n  { for muster_f in ${beside}; do ` +
      `if [ -e "$muster_f" ] || [ -L "$muster_f" ]; then rm -f -- "$muster_f"; fi; done; false; }`;
  }

  /** Whether the op's staged file comes with the script (bundled), with the op's mode. */
  #delivered(op: UploadOp): boolean {
    if (!this.#bundled || this.#inPlace(op)) return false;
    const upload = this.#uploads.get(op.sha256);
    return upload?.stagePath === this.#staged.get(op) && upload?.mode === op.mode;
  }

  /** Whether the op's source is the user's own file, used where it is (copied, never moved). */
  #inPlace(op: UploadOp): boolean {
    return this.#localSources && typeof op.source === "string";
  }

  /** Shell that makes the op's staged file, if the upload did not. */
  #fill(op: UploadOp): string[] {
    const path = this.#staged.get(op)!;
    const text = this.#texts.get(op);
    const upload = this.#inPlace(op) || text !== undefined ? undefined : this.#uploads.get(op.sha256);
    if (upload?.stagePath === path) return [];
    const dir = posix.dirname(path);
    const mkdir = this.#made.has(dir)
      ? []
      : [`{ [ -d ${quote(dir)} ] || (umask 077; mkdir -p -- ${quote(dir)}); }`];
    this.#made.add(dir);
    if (upload) return [...mkdir, `cp -- ${quote(upload.stagePath)} ${quote(path)}`];
    // A small text: printf is the shell's own, no process; the script's umask, said again.
    if (text !== undefined) return [...mkdir, `umask 022; printf '%s' ${quote(text)} > ${quote(path)}`];
    return [...mkdir, `cp -- ${quote(op.source as string)} ${quote(path)}`];
  }
}

/** Whether an owner or group names root (a missing group is the owner's: root's). */
function isRoot(name: string | undefined): boolean {
  return name === undefined || name === "root" || name === "0";
}

/** The source as text, when it is small generated UTF-8 without NUL (safe in a shell word). */
function inlineText(source: string | Uint8Array): string | undefined {
  if (typeof source === "string" || source.length > INLINE_BYTES || source.includes(0)) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(source);
  } catch {
    return undefined;
  }
}
