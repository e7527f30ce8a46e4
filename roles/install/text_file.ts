import { createHash } from "node:crypto";
import type { Change } from "../../src/engine/change.ts";
import type { PathState } from "../../src/facts/files.ts";
import { unifiedDiff } from "../../src/text/diff.ts";
import { attributesChange } from "./context.ts";

/** What a managed text file should be. */
export interface TextFileWanted {
  path: string;
  content: string;
  mode: number;
  /** Owner and group, when checked (system-wide). */
  owner?: string;
  /** Keep an existing file that differs (show the diff, change nothing). */
  keep?: boolean;
  /** Why it is kept, shown in the plan. */
  keepReason?: string;
}

/** The changes that make a text file what it should be: create, replace (with a diff) or fix its mode. */
export function textFileChanges(
  wanted: TextFileWanted,
  current: string | undefined,
  state: PathState | undefined,
): Change[] {
  const data = new TextEncoder().encode(wanted.content);
  const upload = {
    kind: "upload" as const,
    source: data,
    sha256: sha256Hex(data),
    dest: wanted.path,
    mode: wanted.mode,
    owner: wanted.owner,
    group: wanted.owner,
  };
  if (current === undefined || !state) {
    // As Terraform shows a new file: its whole content, as a diff from nothing.
    const diff = unifiedDiff(wanted.path, undefined, wanted.content);
    return [{ action: "create", target: wanted.path, diff, ops: [upload] }];
  }
  if (current !== wanted.content) {
    const diff = unifiedDiff(wanted.path, current, wanted.content);
    if (wanted.keep) {
      return [{ action: "change", target: wanted.path, detail: wanted.keepReason, diff, ops: [] }];
    }
    return [{ action: "change", target: wanted.path, diff, ops: [upload] }];
  }
  const change = attributesChange(wanted.path, state, { mode: wanted.mode, owner: wanted.owner });
  return change ? [change] : [];
}

/** SHA-256 of bytes, in hex (synchronous: small generated files only). */
export function sha256Hex(data: Uint8Array): string {
  // node:crypto is synchronous, which planning needs.
  return createHash("sha256").update(data).digest("hex");
}
