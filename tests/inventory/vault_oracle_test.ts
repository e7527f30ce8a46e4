/**
 * Ansible Vault against the real tools: fixtures are encrypted at test time with
 * `ansible-vault`, and `--list` must be byte-identical to `ansible-inventory`'s with and
 * without passwords; values decrypt to what was encrypted, and a wrong or missing
 * password is an error naming the file, line and column.
 */

import { match, rejects, strictEqual, throws } from "node:assert/strict";
import { join } from "node:path";
import { InventoryError } from "../../src/engine/errors.ts";
import { loadInventory } from "../../src/inventory/load.ts";
import { pythonJson } from "../../src/inventory/python_json.ts";
import { listJson } from "../../src/inventory/render.ts";
import { readVault, revealVaultValues, VaultValue } from "../../src/inventory/vault.ts";
import { maskRevealed } from "../../src/text/secrets.ts";
import { ansible, writeTree } from "./ansible_oracle.ts";

async function encryptString(idArgs: string[], name: string, secret: string): Promise<string> {
  const r = await ansible("ansible-vault", ["encrypt_string", ...idArgs, "--name", name, secret]);
  if (r.code !== 0) throw new Error(`ansible-vault encrypt_string failed: ${r.stderr}`);
  return r.stdout;
}

async function encryptFile(idArgs: string[], path: string): Promise<void> {
  const r = await ansible("ansible-vault", ["encrypt", ...idArgs, path]);
  if (r.code !== 0) throw new Error(`ansible-vault encrypt failed: ${r.stderr}`);
}

/** A fixture: passwords, a `!vault` group variable (1.1), a labelled one (1.2) and an encrypted host_vars file. */
async function fixture() {
  const dir = await writeTree({
    "pw-default": "first password\n",
    "pw-prod": "  prod password  \n",
    "pw-wrong": "wrong\n",
    "inventory.ini": "[web]\nw1\nw2\n[db]\nd1 ansible_host=10.0.0.1\n",
    "host_vars/w2.yml": "plain_from_file: hello\nport: 8.0\n",
  });
  const pw = (name: string) => join(dir, name);
  const plain = await encryptString(
    ["--vault-password-file", pw("pw-default")],
    "db_password",
    "s3cret-value",
  );
  const labelled = await encryptString(["--vault-id", `prod@${pw("pw-prod")}`], "api_token", "t0ken-prod");
  await Deno.mkdir(join(dir, "group_vars"));
  await Deno.writeTextFile(join(dir, "group_vars/web.yml"), plain + "\n" + labelled + "\n");
  await encryptFile(["--vault-id", `prod@${pw("pw-prod")}`], join(dir, "host_vars/w2.yml"));
  return { dir, inventory: join(dir, "inventory.ini"), pw };
}

const fx = await fixture();
globalThis.addEventListener("unload", () => Deno.removeSync(fx.dir, { recursive: true }));

async function musterList(vaultArgs: { ids?: string[]; passwordFiles?: string[] }): Promise<string> {
  const vault = await readVault(vaultArgs);
  return pythonJson(listJson(await loadInventory([fx.inventory], { vault }))).text + "\n";
}

Deno.test("loadInventory() with --vault-id decrypts vars files and prints !vault values as ansible-inventory does", async () => {
  const ids = [`prod@${fx.pw("pw-prod")}`, `default@${fx.pw("pw-default")}`];
  const oracle = await ansible("ansible-inventory", [
    "-i",
    fx.inventory,
    "--list",
    ...ids.flatMap((i) => ["--vault-id", i]),
  ]);
  strictEqual(oracle.code, 0, oracle.stderr);
  match(oracle.stdout, /"__ansible_vault": "\$ANSIBLE_VAULT;1\.2;AES256;prod\\n/);
  strictEqual(await musterList({ ids }), oracle.stdout);
});

Deno.test("loadInventory() tries every password, the labelled one first, as Ansible does", async () => {
  const files = [fx.pw("pw-wrong"), fx.pw("pw-default"), fx.pw("pw-prod")];
  const oracle = await ansible("ansible-inventory", [
    "-i",
    fx.inventory,
    "--list",
    ...files.flatMap((f) => ["--vault-password-file", f]),
  ]);
  strictEqual(oracle.code, 0, oracle.stderr);
  strictEqual(await musterList({ passwordFiles: files }), oracle.stdout);
});

Deno.test("loadInventory() without a password fails on an encrypted file, naming it, as Ansible fails", async () => {
  const oracle = await ansible("ansible-inventory", ["-i", fx.inventory, "--list"]);
  strictEqual(oracle.code !== 0, true);
  match(oracle.stderr, /no vault secrets/);
  await rejects(loadInventory([fx.inventory]), (error: Error) => {
    strictEqual(error instanceof InventoryError, true);
    match(error.message, /host_vars\/w2\.yml:1:1: Cannot decrypt vault-encrypted data: no vault password/);
    return true;
  });
});

Deno.test("loadInventory() with a wrong password names the file and the vault ids tried", async () => {
  const vault = await readVault({ passwordFiles: [fx.pw("pw-wrong")] });
  await rejects(loadInventory([fx.inventory], { vault }), /w2\.yml:1:1: .*vault id 'prod'.*tried 'default'/);
});

Deno.test("VaultValue.reveal() decrypts 1.1 and 1.2 values lazily and remembers them for masking", async () => {
  const vault = await readVault({ ids: [`prod@${fx.pw("pw-prod")}`], passwordFiles: [fx.pw("pw-default")] });
  const inventory = await loadInventory([fx.inventory], { vault });
  const w1 = inventory.hosts.get("w1")!;
  const password = w1.vars.db_password as VaultValue;
  strictEqual(password instanceof VaultValue, true);
  strictEqual(maskRevealed("uses s3cret-value here"), "uses s3cret-value here");
  strictEqual(password.reveal(), "s3cret-value");
  strictEqual(`${w1.vars.api_token}`, "t0ken-prod");
  strictEqual(maskRevealed("uses s3cret-value and t0ken-prod"), "uses ******** and ********");
  const revealed = revealVaultValues(w1.vars) as Record<string, unknown>;
  strictEqual(revealed.db_password, "s3cret-value");
  strictEqual(w1.vars.db_password, password, "the inventory keeps its vault values");
});

Deno.test("VaultValue.reveal() with a wrong password is an InventoryError at the value's line and column", async () => {
  const vault = await readVault({ passwordFiles: [fx.pw("pw-wrong")] });
  // host_vars/w2.yml is encrypted with 'prod': read w1's group only through the INI file.
  const inventory = await loadInventory([fx.inventory], {
    vault: await readVault({ ids: [`prod@${fx.pw("pw-prod")}`] }),
  });
  const value = inventory.hosts.get("w1")!.vars.db_password as VaultValue;
  const wrong = new VaultValue(value.ciphertext, value.position, vault);
  throws(
    () => wrong.reveal(),
    /group_vars\/web\.yml:1:\d+: Cannot decrypt vault-encrypted data: no vault password given fits/,
  );
  throws(() => value.reveal(), /group_vars\/web\.yml:1:\d+: .*tried 'prod'/);
});

Deno.test("readVault() runs an executable password file and reads ANSIBLE_VAULT_PASSWORD_FILE", async () => {
  const script = join(fx.dir, "pw-script");
  await Deno.writeTextFile(script, "#!/bin/sh\necho 'first password'\n");
  await Deno.chmod(script, 0o755);
  const env = { get: (k: string) => k === "ANSIBLE_VAULT_PASSWORD_FILE" ? script : undefined };
  const vault = await readVault({ ids: [`prod@${fx.pw("pw-prod")}`], env });
  const inventory = await loadInventory([fx.inventory], { vault });
  strictEqual((inventory.hosts.get("w1")!.vars.db_password as VaultValue).reveal(), "s3cret-value");
  await rejects(readVault({ passwordFiles: [join(fx.dir, "missing")] }), /Vault password file not found/);
});
