/**
 * A secret value (a login or sudo password): kept out of logs, reports and JSON. Only
 * `reveal()` gives the text; printing it, `String()` and `JSON.stringify` show a mask.
 */

/** The text a secret shows instead of itself. */
export const MASK = "********";

/**
 * A secret value.
 *
 * @example
 * ```ts
 * import { Secret } from "./secret.ts";
 * const password = new Secret(() => "hunter22");
 * JSON.stringify({ password }); // => {"password":"********"}
 * password.reveal(); // => hunter22
 * ```
 */
export class Secret {
  readonly #reveal: () => string;
  #text?: string;

  /** @param reveal Gives the text when it is first needed (a vault value is decrypted then). */
  constructor(reveal: () => string) {
    this.#reveal = reveal;
  }

  /** The secret text. */
  reveal(): string {
    this.#text ??= this.#reveal();
    return this.#text;
  }

  toString(): string {
    return MASK;
  }

  toJSON(): string {
    return MASK;
  }

  [Symbol.for("Deno.customInspect")](): string {
    return `Secret(${MASK})`;
  }
}
