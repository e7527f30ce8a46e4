/**
 * A cache of SDK wheels keyed by the SDK source's content, so that a run whose SDK did
 * not change skips pip (seconds) and sends the very same wheel (same checksum: no upload).
 * Lives in `$XDG_CACHE_HOME/muster/wheels/<digest>/`.
 */
import { createHash } from "node:crypto";
import { basename, join, relative } from "node:path";

const SKIP = new Set(["build", "dist", "__pycache__", ".git", ".eggs"]);

/** SHA-256 over the SDK source's relative paths and contents (build outputs left out), and the Python used. */
export async function sourceDigest(sdkDir: string, python: string): Promise<string> {
  const files: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      if (SKIP.has(entry.name) || entry.name.endsWith(".egg-info") || entry.name.endsWith(".pyc")) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile) files.push(path);
    }
  };
  await walk(sdkDir);
  files.sort();
  const hash = createHash("sha256").update(`python=${python}\n`);
  for (const file of files) {
    hash.update(`${relative(sdkDir, file)}\n`);
    hash.update(await Deno.readFile(file));
  }
  return hash.digest("hex");
}

/** The cache directory for a digest. */
export function cacheDir(digest: string, env: { get(key: string): string | undefined } = Deno.env): string {
  const base = env.get("XDG_CACHE_HOME") || join(env.get("HOME") ?? "/tmp", ".cache");
  return join(base, "muster", "wheels", digest);
}

/** The cached wheel for a digest, if any. */
export async function cachedWheel(dir: string): Promise<string | undefined> {
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.endsWith(".whl")) return join(dir, entry.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return undefined;
}

/**
 * Stores a built wheel, and its requirements' wheels in `requirements/`, in the cache
 * atomically (copy to a sibling directory, then rename); returns the wheel's cached path.
 */
export async function storeWheel(
  dir: string,
  built: { path: string; name: string; requirements: string[] },
): Promise<string> {
  const parent = join(dir, "..");
  await Deno.mkdir(parent, { recursive: true });
  const staging = await Deno.makeTempDir({ dir: parent, prefix: ".store-" });
  await Deno.copyFile(built.path, join(staging, built.name));
  if (built.requirements.length) await Deno.mkdir(join(staging, "requirements"));
  for (const path of built.requirements) {
    await Deno.copyFile(path, join(staging, "requirements", basename(path)));
  }
  try {
    await Deno.rename(staging, dir);
  } catch {
    // Another run stored it first: use theirs.
    await Deno.remove(staging, { recursive: true }).catch(() => {});
  }
  return (await cachedWheel(dir)) ?? built.path;
}
