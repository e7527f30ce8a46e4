/**
 * A vaulted application variable used by an install: decrypted with --vault-password-file
 * where the template needs it, masked in the plan and the report; without a password the
 * run fails with a clear error naming the file. Encrypted by the real ansible-vault.
 */
import { match, ok } from "node:assert/strict";
import { ansible, writeTree } from "../inventory/ansible_oracle.ts";
import { expectExit, muster } from "./muster.ts";
import { fileURLToPath } from "node:url";

const FIXTURE = fileURLToPath(new URL("../fixtures/flame", import.meta.url));

Deno.test("install --dry-run decrypts a !vault variable for the template and never shows it", async () => {
  const dir = await writeTree({ "pw": "vault password\n" });
  const secret = "sess1on-s3cret-resreq";
  const r = await ansible("ansible-vault", [
    "encrypt_string",
    "--vault-password-file",
    `${dir}/pw`,
    "--name",
    "flame_resreq",
    secret,
  ]);
  ok(r.code === 0, r.stderr);
  await Deno.writeTextFile(
    `${dir}/hosts.yml`,
    `all:\n  hosts:\n    here:\n      ansible_connection: local\n      flame_prefix: ${dir}/flame\n      flame_systemd: false\n  vars:\n` +
      r.stdout.split("\n").map((line) => `    ${line}`).join("\n") + "\n",
  );
  const args = ["install", "-i", `${dir}/hosts.yml`, "--src-dir", FIXTURE, "--dry-run"];
  const run = await muster([...args, "--vault-password-file", `${dir}/pw`]);
  expectExit(run, 0);
  match(run.stdout, /\+ {2}resreq: "\*\*\*\*\*\*\*\*"/);
  ok(
    !run.stdout.includes(secret) && !JSON.stringify(run.report).includes(secret),
    "the secret is never shown",
  );
  const without = await muster(args);
  expectExit(without, 1);
  match(without.stderr, /hosts\.yml:\d+:\d+: .*no vault password was given/);
});
