/**
 * How the apply script puts files in place. Every file is first made ready in the host's
 * stage, a private directory (0700, the login user's): uploaded there before the script
 * runs, copied there, or, for a small text, written there by the script itself. There it
 * is given its mode and owner: chmod and chown never touch a path in the target's
 * directory, which the service's own user may be able to change (and point at another
 * file). Then the files of each directory are moved beside their targets
 * (`TARGET.muster-tmp`) by one `mv`, and each is renamed over its target. If any of it
 * fails, what was moved beside is removed and nothing is replaced.
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
}

/** Largest file written by the script itself instead of uploaded. */
const INLINE_BYTES = 64 * 1024;

/**
 * Shell function of the apply script's prelude: `muster_beside DIR FILE...` moves staged
 * files into DIR (a rename where the stage is on DIR's filesystem). Under SELinux a moved
 * file would keep the stage's label, which systemd may not execute: there they are copied
 * (a new file, never written through a link found there).
 */
export const BESIDE = "muster_movable=; [ -e /sys/fs/selinux/enforce ] || muster_movable=1\n" +
  'muster_beside() { muster_dir=$1; shift; if [ -n "$muster_movable" ]; then mv -f -- "$@" "$muster_dir/"; ' +
  'else cp -p --remove-destination -- "$@" "$muster_dir/"; fi; }';

/** Places the upload ops of one apply script, group by group, and says what to upload. */
export class Placer {
  readonly #stage: string;
  readonly #localSources: boolean;
  /** Each op's file in the stage, named as it is to be beside its target. */
  readonly #staged = new Map<UploadOp, string>();
  /** The ops whose source is a small text, which the script writes itself. */
  readonly #texts = new Map<UploadOp, string>();
  /** By content: the staged file it is uploaded to (its last use's, which moves it). */
  readonly #uploads = new Map<string, Upload>();
  /** Stage directories that exist when the script runs, or that it made. */
  readonly #made = new Set<string>();

  /** @param ops every upload op of the script, in the order they run */
  constructor(ops: UploadOp[], options: { stage: string; localSources: boolean }) {
    this.#stage = options.stage;
    this.#localSources = options.localSources;
    const taken = new Set<string>();
    for (const op of ops) {
      // Flat in the stage; a second target of the same name gets a directory of its own.
      const name = `${posix.basename(op.dest)}.muster-tmp`;
      let path = `${this.#stage}/${name}`;
      for (let n = 1; taken.has(path); n++) path = `${this.#stage}/${n}/${name}`;
      taken.add(path);
      this.#staged.set(op, path);
      const text = this.#inPlace(op) ? undefined : inlineText(op.source);
      if (text !== undefined) this.#texts.set(op, text);
      else if (!this.#inPlace(op)) {
        this.#uploads.set(op.sha256, { source: op.source, sha256: op.sha256, stagePath: path });
      }
    }
    for (const upload of this.#uploads.values()) this.#made.add(posix.dirname(upload.stagePath));
  }

  /** The files to send before the script runs. */
  get uploads(): Upload[] {
    return [...this.#uploads.values()];
  }

  /** Shell that puts a group of files in place together: all of them, or none. */
  place(group: UploadOp[]): string {
    const staged = (op: UploadOp) => this.#staged.get(op)!;
    const tmp = (op: UploadOp) => `${op.dest}.muster-tmp`;
    const byMode = Map.groupBy(group, (op) => op.mode.toString(8).padStart(4, "0"));
    const byOwner = Map.groupBy(group.filter((op) => op.owner), (op) => `${op.owner}:${op.group ?? ""}`);
    const byDir = Map.groupBy(group, (op) => posix.dirname(op.dest));
    const steps = [
      ...group.flatMap((op) => this.#fill(op)),
      ...[...byMode].map(([mode, ops]) => `chmod ${mode} -- ${ops.map(staged).map(quote).join(" ")}`),
      ...[...byOwner].map(([owner, ops]) =>
        `chown ${quote(owner)} -- ${ops.map(staged).map(quote).join(" ")}`
      ),
      ...[...byDir].map(([dir, ops]) =>
        `muster_beside ${quote(dir)} ${ops.map(staged).map(quote).join(" ")}`
      ),
      ...group.map((op) => `mv -f -- ${quote(tmp(op))} ${quote(op.dest)}`),
    ];
    return `{ ${steps.join(" &&\n  ")}; } ||\n  { rm -f -- ${group.map(tmp).map(quote).join(" ")}; false; }`;
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
    // A small text: printf is the shell's own, no process.
    if (text !== undefined) return [...mkdir, `printf '%s' ${quote(text)} > ${quote(path)}`];
    return [...mkdir, `cp -- ${quote(op.source as string)} ${quote(path)}`];
  }
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
