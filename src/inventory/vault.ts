/**
 * Ansible Vault, as Ansible reads it: `$ANSIBLE_VAULT;1.1;AES256` and
 * `$ANSIBLE_VAULT;1.2;AES256;LABEL` envelopes (PBKDF2-HMAC-SHA256 with 10000 iterations
 * derives an AES-256-CTR key, an HMAC-SHA256 key and the counter's start; the HMAC is
 * checked before decrypting). A `Vault` holds the passwords given (`--vault-id`,
 * `--vault-password-file`) and tries them as Ansible does: the ones whose label matches
 * the envelope's first, then the others.
 *
 * Whole encrypted files are decrypted when they are read. `!vault` values stay
 * `VaultValue`s, decrypted when used (`reveal()`, or `String(value)`), as Ansible does:
 * `muster inventory` prints them as `ansible-inventory` does, `{"__ansible_vault": ...}`,
 * with or without a password. Every decrypted text is remembered for masking
 * (`src/text/secrets.ts`).
 */

import { createDecipheriv, createHmac, pbkdf2Sync, timingSafeEqual } from "node:crypto";
import { Buffer } from "node:buffer";
import { InventoryError, type SourcePosition, UsageError } from "../engine/errors.ts";
import { isExecutable, isProgram } from "./program.ts";
import { rememberSecret } from "../text/secrets.ts";

/** What every encrypted text starts with. */
export const VAULT_HEADER = "$ANSIBLE_VAULT;";

/** The label of a password given without one (Ansible's `default`). */
export const DEFAULT_VAULT_ID = "default";

const NO_PASSWORD_HINT =
  "Pass --vault-password-file FILE or --vault-id LABEL@FILE (or set ANSIBLE_VAULT_PASSWORD_FILE)";

/** One vault password with its label and where it came from. */
export interface VaultSecret {
  /** The vault id (label): `prod` of `--vault-id prod@FILE`, else `default`. */
  id: string;
  password: Uint8Array;
  /** The file (or script) it was read from, for messages. */
  source: string;
}

/** The parts of an envelope. */
interface Envelope {
  version: string;
  cipher: string;
  id?: string;
  /** The hex body, lines joined. */
  body: string;
}

function parseEnvelope(text: string, at: SourcePosition): Envelope {
  const lines = text.trim().split(/\r?\n/);
  const header = lines[0].trim().split(";");
  if (header[0] !== "$ANSIBLE_VAULT" || header.length < 3) {
    throw new InventoryError(
      `Invalid vault envelope: expected '$ANSIBLE_VAULT;1.1;AES256', got '${lines[0]}'`,
      at,
    );
  }
  const [, version, cipher, id] = header.map((h) => h.trim());
  if (version !== "1.1" && version !== "1.2") {
    throw new InventoryError(`Unsupported vault format version ${version}: expected 1.1 or 1.2`, at);
  }
  if (cipher !== "AES256") {
    throw new InventoryError(`Unsupported vault cipher ${cipher}: expected AES256`, at);
  }
  return { version, cipher, id: version === "1.2" ? id : undefined, body: lines.slice(1).join("").trim() };
}

function unhex(hex: string, at: SourcePosition): Buffer {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) {
    throw new InventoryError("Invalid vault data: expected hexadecimal digits", at);
  }
  return Buffer.from(hex, "hex");
}

/** AES256 decryption of an envelope's body with one password; undefined when the HMAC does not match. */
function decryptBody(body: string, password: Uint8Array, at: SourcePosition): Uint8Array | undefined {
  const parts = unhex(body, at).toString("latin1").split("\n");
  if (parts.length !== 3) {
    throw new InventoryError("Invalid vault data: expected salt, HMAC and ciphertext", at);
  }
  const [salt, hmac, ciphertext] = parts.map((p) => unhex(p, at));
  const derived = pbkdf2Sync(password, salt, 10000, 80, "sha256");
  const key = derived.subarray(0, 32), hmacKey = derived.subarray(32, 64), iv = derived.subarray(64, 80);
  const actual = createHmac("sha256", hmacKey).update(ciphertext).digest();
  if (actual.length !== hmac.length || !timingSafeEqual(actual, hmac)) return undefined;
  const decipher = createDecipheriv("aes-256-ctr", key, iv);
  const padded = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  const pad = padded[padded.length - 1];
  if (!pad || pad > 16 || pad > padded.length) {
    throw new InventoryError("Invalid vault data: bad padding after decryption", at);
  }
  return padded.subarray(0, padded.length - pad);
}

/** The passwords to decrypt with. */
export class Vault {
  constructor(readonly secrets: VaultSecret[] = []) {}

  /**
   * Decrypts an encrypted text (a file's content or a `!vault` value). Throws an
   * `InventoryError` at `at` when no password is given or none fits.
   */
  decrypt(text: string, at: SourcePosition): string {
    const envelope = parseEnvelope(text, at);
    if (this.secrets.length === 0) {
      throw new InventoryError("Cannot decrypt vault-encrypted data: no vault password was given", at, {
        hint: NO_PASSWORD_HINT,
      });
    }
    const first = this.secrets.filter((s) => s.id === envelope.id);
    const tried = [...first, ...this.secrets.filter((s) => s.id !== envelope.id)];
    for (const secret of tried) {
      const plain = decryptBody(envelope.body, secret.password, at);
      if (plain) return new TextDecoder().decode(plain);
    }
    const ids = tried.map((s) => `'${s.id}' (${s.source})`).join(", ");
    throw new InventoryError(
      `Cannot decrypt vault-encrypted data${envelope.id ? ` of vault id '${envelope.id}'` : ""}: ` +
        `no vault password given fits (tried ${ids})`,
      at,
      { hint: "Check the password file, or pass the vault id this data was encrypted with" },
    );
  }
}

/**
 * A `!vault` value (or a `{"__ansible_vault": ...}` object of a JSON file): the encrypted
 * text, decrypted when used. `JSON.stringify` and `pythonJson` write it as
 * `ansible-inventory` does, `{"__ansible_vault": CIPHERTEXT}`.
 */
export class VaultValue {
  #plain?: string;

  /**
   * @param ciphertext The envelope as written.
   * @param position Where it was written.
   * @param vault The passwords of the inventory it was read with.
   */
  constructor(
    readonly ciphertext: string,
    readonly position: SourcePosition,
    readonly vault: Vault = new Vault(),
  ) {}

  /** The decrypted text; throws an `InventoryError` at the value's position when it cannot. */
  reveal(): string {
    if (this.#plain === undefined) {
      this.#plain = this.vault.decrypt(this.ciphertext, this.position);
      rememberSecret(this.#plain);
    }
    return this.#plain;
  }

  /** The decrypted text, as Jinja2 shows a vault value. */
  toString(): string {
    return this.reveal();
  }

  toJSON(): { __ansible_vault: string } {
    return { __ansible_vault: this.ciphertext };
  }
}

/** Whether a text is vault-encrypted (starts with `$ANSIBLE_VAULT;`). */
export function isEncrypted(text: string): boolean {
  return text.startsWith(VAULT_HEADER);
}

/**
 * A value with every `VaultValue` in it decrypted (a copy; the value itself when there is
 * none). Throws the `InventoryError` of the first value that cannot be decrypted.
 *
 * @example
 * ```ts ignore
 * import { revealVaultValues } from "./vault.ts";
 * const vars = revealVaultValues(host.vars) as Record<string, unknown>;
 * ```
 */
export function revealVaultValues(value: unknown): unknown {
  if (value instanceof VaultValue) return value.reveal();
  if (Array.isArray(value)) {
    const items = value.map(revealVaultValues);
    return items.some((v, i) => v !== value[i]) ? items : value;
  }
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const map = value as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const key of Object.keys(map)) {
      const v = revealVaultValues(map[key]);
      if (v !== map[key]) {
        copy ??= { ...map };
        Object.defineProperty(copy, key, { value: v, enumerable: true, writable: true, configurable: true });
      }
    }
    return copy ?? value;
  }
  return value;
}

/** Where vault passwords come from. */
export interface VaultOptions {
  /** `--vault-id` values: `LABEL@FILE`, or `FILE` (label `default`). @default [] */
  ids?: string[];
  /** `--vault-password-file` values (label `default`). @default [] */
  passwordFiles?: string[];
  /**
   * The environment: `ANSIBLE_VAULT_IDENTITY_LIST` (comma-separated ids, tried first) and
   * `ANSIBLE_VAULT_PASSWORD_FILE` (a password file, tried last), as in Ansible.
   * @default no environment
   */
  env?: { get(key: string): string | undefined };
}

async function readPassword(id: string, file: string): Promise<Uint8Array> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new UsageError(`Vault password file not found: ${file}`);
    throw error;
  }
  let bytes: Uint8Array;
  if (isExecutable(info)) {
    if (!await isProgram(file, info)) {
      throw new UsageError(`Vault password file ${file} is executable but is not a script (no #! line)`, {
        hint: "Remove its execute permission (chmod -x), or make it a script that prints the password",
      });
    }
    // An executable password file is a script that prints the password, as in Ansible;
    // a `-client` script is asked for the vault id.
    const client = /-client(?:\.[^/.]*)?$/.test(file);
    const output = await new Deno.Command(file, {
      args: client ? ["--vault-id", id] : [],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) {
      const stderr = new TextDecoder().decode(output.stderr).trim();
      throw new UsageError(
        `Vault password script ${file} failed with exit code ${output.code}${stderr ? `: ${stderr}` : ""}`,
      );
    }
    bytes = output.stdout;
  } else {
    bytes = await Deno.readFile(file);
  }
  const password = new TextDecoder().decode(bytes).trim();
  if (password === "") throw new UsageError(`Invalid vault password: ${file} gives an empty password`);
  return new TextEncoder().encode(password);
}

/**
 * Reads the vault passwords the options name, in Ansible's order: the environment's
 * identity list, `--vault-id`s, `--vault-password-file`s, then
 * `ANSIBLE_VAULT_PASSWORD_FILE`. Prompts (`LABEL@prompt`) are not supported.
 *
 * @example
 * ```ts ignore
 * import { readVault } from "./vault.ts";
 * const vault = await readVault({ ids: ["prod@~/.vault-prod"], passwordFiles: [".vault-pass"] });
 * ```
 */
export async function readVault(options: VaultOptions = {}): Promise<Vault> {
  const envIds = options.env?.get("ANSIBLE_VAULT_IDENTITY_LIST")?.split(",").map((s) => s.trim())
    .filter((s) => s) ?? [];
  const envFile = options.env?.get("ANSIBLE_VAULT_PASSWORD_FILE");
  const slugs = [
    ...envIds,
    ...(options.ids ?? []),
    ...[...(options.passwordFiles ?? []), ...(envFile ? [envFile] : [])].map((f) =>
      `${DEFAULT_VAULT_ID}@${f}`
    ),
  ];
  const secrets: VaultSecret[] = [];
  for (const slug of slugs) {
    const at = slug.indexOf("@");
    const id = at >= 0 ? slug.slice(0, at) || DEFAULT_VAULT_ID : DEFAULT_VAULT_ID;
    const file = at >= 0 ? slug.slice(at + 1) : slug;
    if (file === "prompt" || file === "prompt_ask_vault_pass") {
      throw new UsageError(`Vault password prompts are not supported: --vault-id ${slug}`, {
        hint: "Put the password in a file and pass --vault-id LABEL@FILE",
      });
    }
    secrets.push({ id, password: await readPassword(id, file), source: file });
  }
  return new Vault(secrets);
}
