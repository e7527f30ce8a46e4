/**
 * How the SSH transport logs in: the login user, and the ssh2 auth methods to try
 * (the inventory's key file or `~/.ssh/id_*`, then the SSH agent), with the key files
 * that cannot be used and why.
 */

import { Buffer } from "node:buffer";
import { homedir } from "node:os";
import { join } from "node:path";
import type { KeyFile } from "./ssh_target.ts";

/** Key files tried, in this order, when the inventory names none. */
const DEFAULT_KEYS = ["id_ed25519", "id_ecdsa", "id_rsa"];

/** One ssh2 auth method and how to name it in an error message. */
export interface AuthMethod {
  label: string;
  /** An ssh2 `authHandler` entry. */
  method: Record<string, unknown>;
}

/** What `authMethods` found. */
export interface Auth {
  /** Methods to try, in order. */
  methods: AuthMethod[];
  /** Key files left out, each with why (encrypted, not a key). */
  skipped: string[];
}

/**
 * Collects the ways to log in as `user`: the key files given that exist and are
 * unencrypted (a `required` one that cannot be read fails; a leading `~/` is the home
 * directory), else those of `~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa`; then the SSH agent
 * if `SSH_AUTH_SOCK` is set; then the password, if one is given (as `password` and as
 * `keyboard-interactive`, which sshd with PAM asks passwords through).
 *
 * @throws what `fail` returns, when a required key file cannot be read or no method is left
 */
export async function authMethods(
  user: string,
  keys: string | KeyFile[] | undefined,
  fail: (reason: string, cause?: unknown) => Error,
  options: { password?: string } = {},
): Promise<Auth> {
  const methods: AuthMethod[] = [];
  const skipped: string[] = [];
  const given = typeof keys === "string" ? [{ file: keys, required: true }] : keys ?? [];
  const files = given.length
    ? given.map((key) => ({
      ...key,
      file: key.file.startsWith("~/") ? join(homedir(), key.file.slice(2)) : key.file,
    }))
    : DEFAULT_KEYS.map((name) => ({ file: join(homedir(), ".ssh", name), required: false }));
  for (const { file, required } of files) {
    let key: Uint8Array;
    try {
      key = await Deno.readFile(file);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound || error instanceof Deno.errors.PermissionDenied)) {
        throw error;
      }
      if (required) throw fail(`cannot read private key ${file}: ${lowerFirst(error.message)}`, error);
      continue;
    }
    const text = new TextDecoder().decode(key);
    if (!/PRIVATE KEY-----|^PuTTY-User-Key-File/m.test(text)) {
      skipped.push(`${file} is not a private key file`);
    } else if (isEncryptedKey(text)) {
      skipped.push(`${file} is encrypted (load it with 'ssh-add ${file}')`);
    } else {
      methods.push({
        label: `key ${file}`,
        method: { type: "publickey", username: user, key: Buffer.from(key) },
      });
    }
  }
  const agent = Deno.env.get("SSH_AUTH_SOCK");
  if (agent) {
    methods.push({ label: `the SSH agent (${agent})`, method: { type: "agent", username: user, agent } });
  }
  const password = options.password;
  if (password !== undefined) {
    methods.push({ label: "the password", method: { type: "password", username: user, password } });
    methods.push({
      label: "the password (keyboard-interactive)",
      method: {
        type: "keyboard-interactive",
        username: user,
        prompt: (
          _name: string,
          _instructions: string,
          _lang: string,
          prompts: unknown[],
          finish: (answers: string[]) => void,
        ) => finish(prompts.map(() => password)),
      },
    });
  }
  if (methods.length === 0) {
    const keys = skipped.length
      ? skipped.join(", ")
      : `none of ${files.map((key) => key.file).join(", ")} exists`;
    throw fail(`no SSH key to log in as ${user}: ${keys}, and no SSH agent (SSH_AUTH_SOCK is not set)`);
  }
  return { methods, skipped };
}

/**
 * Whether the text of a private key file (OpenSSH or PEM format) needs a passphrase.
 *
 * @example
 * ```ts
 * import { isEncryptedKey } from "./ssh_auth.ts";
 * isEncryptedKey("-----BEGIN ENCRYPTED PRIVATE KEY-----\n..."); // => true
 * ```
 */
export function isEncryptedKey(text: string): boolean {
  if (/^Proc-Type: 4,ENCRYPTED/m.test(text) || text.includes("BEGIN ENCRYPTED PRIVATE KEY")) return true;
  const body = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END/.exec(text)?.[1];
  if (!body) return false;
  // openssh-key-v1\0, then the cipher name as an SSH string: "none" when unencrypted.
  const bytes = Buffer.from(body.replace(/\s+/g, ""), "base64");
  const magic = "openssh-key-v1\0".length;
  if (bytes.length < magic + 4) return false;
  const length = bytes.readUInt32BE(magic);
  return bytes.subarray(magic + 4, magic + 4 + length).toString() !== "none";
}

let _userName: Promise<string> | undefined;

/** The current user: `USER`, else `LOGNAME`, else what `id -un` prints. */
export function currentUser(): Promise<string> {
  const fromEnv = Deno.env.get("USER") ?? Deno.env.get("LOGNAME");
  if (fromEnv) return Promise.resolve(fromEnv);
  _userName ??= new Deno.Command("id", { args: ["-un"], stderr: "null" }).output()
    .then((output) => new TextDecoder().decode(output.stdout).trim());
  return _userName;
}

/** Lower-cases the first letter of an error message that starts a sentence. */
export function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text[0].toLowerCase() + text.slice(1) : text;
}
