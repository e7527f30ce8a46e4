import { type Fact, HOST_UID } from "../../src/engine/fact.ts";
import type { App } from "../../src/app/app.ts";
import { raw, sh } from "../../src/transport/quote.ts";

/** A directory entry: its name and `find -printf %y` type (`d`, `f`, `l`, ...). */
export interface Entry {
  name: string;
  type: string;
}

/** What is at the prefix on the host, without following any symlink. */
export interface Installation {
  /** `lstat` of the prefix: `directory`, `symbolic link`, `regular file`, ...; undefined when missing. */
  kind?: string;
  /** `realpath -e` of the prefix (every symlink resolved); undefined when it does not resolve. */
  resolved?: string;
  /** Target of the prefix when it is a symlink. */
  linkTarget?: string;
  /** Top-level entries (empty unless the prefix is a real directory). */
  entries: Entry[];
  /** Entries of the artifacts' directory, e.g. `bin/` (empty unless it is a real directory). */
  bin: Entry[];
  /** Which of the app's markers (`uninstall.markers`) exist as real files or directories. */
  markers: string[];
  /** First path under the prefix not owned by the user commands run as (only checked when not root). */
  foreign?: string;
  /** Whether the prefix and its parent are writable by that user. */
  writable: boolean;
}

/** The directory the app's artifacts go to (`bin`), relative to the prefix. */
export function artifactDir(app: App): string {
  return Object.values(app.definition.artifacts)[0]?.to ?? "bin";
}

/** The installation of `app` at `prefix`, read in one command (names are NUL-separated and base64-encoded). */
export function installationFact(prefix: string, app: App): Fact<Installation> {
  const bin = `${prefix}/${artifactDir(app)}`;
  const markers = app.definition.uninstall.markers;
  const parent = prefix.replace(/\/[^/]+$/, "") || "/";
  const marker = (path: string) => `${prefix}/${path}`;
  const command = [
    sh`printf 'kind:'; stat -c %F -- ${prefix} 2>/dev/null; echo`,
    sh`printf 'resolved:'; realpath -e -- ${prefix} 2>/dev/null | tr -d '\\n' | base64 -w0; echo`,
    sh`printf 'link:'; [ -L ${prefix} ] && readlink -- ${prefix} | tr -d '\\n' | base64 -w0; echo`,
    sh`printf 'entries:'; [ -d ${prefix} ] && [ ! -L ${prefix} ] && ` +
    sh`find ${prefix} -mindepth 1 -maxdepth 1 -printf '%y %f\\0' | base64 -w0; echo`,
    sh`printf 'bin:'; [ -d ${bin} ] && [ ! -L ${bin} ] && [ ! -L ${prefix} ] && ` +
    sh`find ${bin} -mindepth 1 -maxdepth 1 -printf '%y %f\\0' | base64 -w0; echo`,
    sh`printf 'markers:'; [ -L ${prefix} ] || for m in ${markers.map(marker)}; do ` +
    sh`[ -e "$m" ] && [ ! -L "$m" ] && printf '%s\\0' "$m"; done | base64 -w0; echo`,
    sh`printf 'foreign:'; [ ${raw(HOST_UID)} = 0 ] || { [ -d ${prefix} ] && [ ! -L ${prefix} ] && ` +
    sh`find ${prefix} -xdev ! -user ${raw(HOST_UID)} -print -quit | tr -d '\\n' | base64 -w0; }; echo`,
    sh`printf 'writable:'; [ -w ${prefix} ] && [ -w ${parent} ] && printf yes; echo`,
  ].join("\n");
  return {
    key: `uninstall-installation:${prefix}:${artifactDir(app)}:${markers.join(",")}`,
    command,
    parse: (output) => parseInstallation(output, prefix),
  };
}

/** Parses the output of `installationFact`. */
export function parseInstallation(output: string, prefix: string): Installation {
  const fields = new Map<string, string>();
  for (const line of output.split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  const text = (key: string) => decode(fields.get(key) ?? "");
  const kind = fields.get("kind")?.trim();
  return {
    ...(kind ? { kind } : {}),
    ...(text("resolved") ? { resolved: text("resolved") } : {}),
    ...(text("link") ? { linkTarget: text("link") } : {}),
    entries: entries(text("entries")),
    bin: entries(text("bin")),
    markers: text("markers").split("\0").filter(Boolean).map((path) => path.slice(prefix.length + 1)),
    ...(text("foreign") ? { foreign: text("foreign") } : {}),
    writable: fields.get("writable")?.trim() === "yes",
  };
}

function entries(text: string): Entry[] {
  return text.split("\0").filter(Boolean).map((item) => ({ type: item.slice(0, 1), name: item.slice(2) }));
}

function decode(base64: string): string {
  const clean = base64.trim();
  if (!clean) return "";
  const bytes = Uint8Array.from(atob(clean), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}
