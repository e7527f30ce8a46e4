/**
 * Runs the real `ansible-inventory` and `ansible-vault` (Debian's ansible-core) for the
 * oracle tests, from an empty directory with an empty ansible.cfg so that no
 * configuration of the machine applies, and writes small inventories into temporary
 * directories.
 */

import { join } from "node:path";

const workDir = Deno.makeTempDirSync({ prefix: "muster-ansible-" });
Deno.writeTextFileSync(join(workDir, "ansible.cfg"), "");
globalThis.addEventListener("unload", () => Deno.removeSync(workDir, { recursive: true }));

/** The environment the tools run with. */
export const ANSIBLE_ENV = {
  ANSIBLE_CONFIG: join(workDir, "ansible.cfg"),
  ANSIBLE_LOCALHOST_WARNING: "False",
  ANSIBLE_NOCOLOR: "1",
  ANSIBLE_FORCE_COLOR: "0",
};

/** What a tool printed and how it exited. */
export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs an Ansible tool (`ansible-inventory`, `ansible-vault`, ...) with `args`. */
export async function ansible(tool: string, args: string[], stdin?: string): Promise<ToolResult> {
  let child;
  try {
    child = new Deno.Command(tool, {
      args,
      cwd: workDir,
      env: ANSIBLE_ENV,
      stdin: stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`${tool} is not installed: the oracle tests need Debian's ansible-core`);
    }
    throw error;
  }
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const output = await child.output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/** Writes `files` (relative path to content) into a new temporary directory and returns it. */
export async function writeTree(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "muster-inv-" });
  for (const [path, text] of Object.entries(files)) {
    const full = join(dir, path);
    await Deno.mkdir(join(full, ".."), { recursive: true });
    await Deno.writeTextFile(full, text);
  }
  return dir;
}
