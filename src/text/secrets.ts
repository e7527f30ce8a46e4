/**
 * The texts muster decrypted from Ansible Vault in this process: every `!vault` value
 * revealed and every string of a vault-encrypted file read. Reports and plans mask them
 * (`maskRevealed`), whatever the name of the variable that holds them.
 */

const revealed = new Set<string>();

/** Remembers a decrypted text (called by `vault.ts`). */
export function rememberSecret(text: string): void {
  if (text === "") return;
  revealed.add(text);
  // A multi-line secret (a key) also shows line by line, in diffs.
  if (text.includes("\n")) {
    for (const line of text.split(/\r?\n/)) if (line.trim() !== "") revealed.add(line.trim());
  }
}

/** Remembers every string in a value decrypted from a vault-encrypted file. */
export function rememberSecretsIn(value: unknown): void {
  if (typeof value === "string") rememberSecret(value);
  else if (Array.isArray(value)) value.forEach(rememberSecretsIn);
  else if (
    value !== null && typeof value === "object" &&
    [Object.prototype, null].includes(Object.getPrototypeOf(value))
  ) {
    Object.values(value).forEach(rememberSecretsIn);
  }
}

/** Every decrypted text so far, longest first (so that a longer secret is masked whole). */
export function revealedSecrets(): string[] {
  return [...revealed].sort((a, b) => b.length - a.length);
}

/** Options of `maskRevealed`. */
export interface MaskRevealedOptions {
  /** What a secret is replaced with. @default "********" */
  mask?: string;
  /**
   * Shorter texts are not masked: a decrypted `yes` or `22` would mask every `yes` and
   * `22` of a report. @default 4
   */
  minLength?: number;
}

/**
 * Replaces every decrypted vault text in `text` with a mask.
 *
 * @example
 * ```ts ignore
 * import { maskRevealed } from "./secrets.ts";
 * maskRevealed("password=s3cret!"); // => "password=********" once "s3cret!" was decrypted
 * ```
 */
export function maskRevealed(text: string, options: MaskRevealedOptions = {}): string {
  const mask = options.mask ?? "********";
  const min = options.minLength ?? 4;
  let out = text;
  for (const secret of revealedSecrets()) {
    if (secret.length >= min && out.includes(secret)) out = out.replaceAll(secret, mask);
  }
  return out;
}

/** Forgets every decrypted text (for tests). */
export function forgetSecrets(): void {
  revealed.clear();
}
