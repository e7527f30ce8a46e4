/** Test helpers for the engine's scripts. */
import { LocalTransport } from "../transport/local.ts";

/** A transport to this machine, as the user the tests run as (no become). */
export function localTransport(): LocalTransport {
  return new LocalTransport({
    name: "local",
    kind: "local",
    address: "localhost",
    port: 22,
    become: false,
    becomeUser: "root",
  });
}

/** Runs a script with `sh -s` on this machine (extra environment on top of the process's). */
export async function runScript(
  script: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command("sh", {
    args: ["-s"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env,
  })
    .spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(script));
  await writer.close();
  const out = await child.output();
  const [stdout, stderr] = [out.stdout, out.stderr].map((bytes) => new TextDecoder().decode(bytes));
  return { code: out.code, stdout, stderr };
}
