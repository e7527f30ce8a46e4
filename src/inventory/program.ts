/**
 * Whether a file is a program Ansible would run (an inventory script, a vault password
 * script): executable, and starting with `#!` or a binary's ELF header. Python cannot
 * run an executable text file without `#!`; Deno would hand it to `/bin/sh` and run its
 * lines as commands, so such a file is never run.
 */
export async function isProgram(path: string, info: Deno.FileInfo): Promise<boolean> {
  if (!info.isFile || info.mode === null || (info.mode & 0o111) === 0) return false;
  const file = await Deno.open(path);
  try {
    const head = new Uint8Array(4);
    const n = await file.read(head) ?? 0;
    const text = new TextDecoder("latin1").decode(head.subarray(0, n));
    return text.startsWith("#!") || text === "\x7fELF";
  } finally {
    file.close();
  }
}

/** Whether a file is executable by anyone. */
export function isExecutable(info: Deno.FileInfo): boolean {
  return info.isFile && info.mode !== null && (info.mode & 0o111) !== 0;
}
