/**
 * A pure-Python wheel installed once, on the controller, with `pip --target`, and kept as a
 * reproducible tarball beside the wheel in the cache: hosts unpack it rather than each
 * starting Python and pip. Only for wheels that need nothing of the host's Python
 * (`-none-any`, no requirements); the tarball's bytes depend only on the wheel's, so a rerun
 * sends nothing new.
 */
import { join } from "node:path";
import type { Artifact } from "../../src/app/artifacts.ts";
import { BuildError } from "../../src/engine/errors.ts";
import { capture } from "./process.ts";
import { sha256File } from "./sha256.ts";

/**
 * The tarball of `wheel` installed with `pip --target`, made at `path` when missing and
 * `build` is set; undefined when it does not exist (a dry run before any build).
 */
export async function prebuiltTarget(
  wheel: string,
  path: string,
  options: { python: string; build: boolean; signal?: AbortSignal },
): Promise<Artifact | undefined> {
  const exists = await Deno.stat(path).then(() => true, () => false);
  if (!exists && !options.build) return undefined;
  if (!exists) {
    const tmp = await Deno.makeTempDir({ prefix: "muster-target-" });
    try {
      const run = async (command: string, args: string[]) => {
        const result = await capture(command, args, {
          signal: options.signal,
          env: { PYTHONDONTWRITEBYTECODE: "1" },
        });
        if (result.code !== 0) {
          throw new BuildError(
            `Cannot unpack ${wheel} on the controller: ${command} failed: ${result.stderr.trim()}`,
          );
        }
      };
      await run(options.python, [
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-index",
        "--no-deps",
        "--no-compile",
        "--disable-pip-version-check",
        "--target",
        join(tmp, "t"),
        wheel,
      ]);
      await dropDirectUrl(join(tmp, "t"));
      // Reproducible: sorted names, fixed times and owners, gzip without a timestamp.
      await run("sh", [
        "-c",
        'tar -C "$1" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - . | gzip -n > "$2.tmp" && mv -f "$2.tmp" "$2"',
        "sh",
        join(tmp, "t"),
        path,
      ]);
    } finally {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
    }
  }
  return { name: "target.tar.gz", path, ...await sha256File(path) };
}

/**
 * Removes what pip records of where it installed from (PEP 610's `direct_url.json`, and its
 * line in `RECORD`): the wheel's path in this controller's cache, which would make the
 * tarball's bytes depend on the controller and tell every host a path of the controller's.
 * An installed distribution is the same without it (`pip` then just shows no URL).
 */
export async function dropDirectUrl(target: string): Promise<void> {
  for await (const entry of Deno.readDir(target)) {
    if (!entry.isDirectory || !entry.name.endsWith(".dist-info")) continue;
    const info = join(target, entry.name);
    const removed = await Deno.remove(join(info, "direct_url.json")).then(() => true, (error) => {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    });
    if (!removed) continue;
    const record = join(info, "RECORD");
    const lines = (await Deno.readTextFile(record).catch(() => "")).split("\n");
    const kept = lines.filter((line) => !line.startsWith(`${entry.name}/direct_url.json,`));
    if (kept.length !== lines.length) await Deno.writeTextFile(record, kept.join("\n"));
  }
}
