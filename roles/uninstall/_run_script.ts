/** Test helper: runs changes through the real apply script locally, as apply does on a host. */
import { runScript } from "../../src/engine/testing.ts";
import {
  type ApplyOutcome,
  applyScript,
  type ApplyUnit,
  parseApplyOutput,
} from "../../src/engine/apply_script.ts";

/** What a local apply did. */
export interface LocalApply {
  code: number;
  stderr: string;
  outcome: ApplyOutcome;
}

/** Runs `units` with `sh`, with extra environment (e.g. a PATH with fake commands first). */
export async function applyLocally(
  units: ApplyUnit[],
  env: Record<string, string> = {},
): Promise<LocalApply> {
  const nonce = "t3st";
  const { script } = applyScript(units, {
    nonce,
    stage: `/tmp/muster-test-stage-${crypto.randomUUID()}`,
    localSources: true,
  });
  const { code, stdout, stderr } = await runScript(script, env);
  return { code, stderr, outcome: parseApplyOutput(stdout, stderr, nonce) };
}

/** Writes an executable shell script. */
export async function fakeCommand(path: string, body: string): Promise<void> {
  await Deno.writeTextFile(path, `#!/bin/sh\n${body}\n`);
  await Deno.chmod(path, 0o755);
}
