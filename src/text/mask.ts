/**
 * Masks secrets in text that muster shows (plan diffs, drift reports): the values of keys
 * that look secret in YAML, INI, env and systemd `Environment=` lines, and passwords in
 * URLs. Diff markers (`+`, `-`, ` `) at the start of a line are kept.
 */
import { maskRevealed } from "./secrets.ts";

/** What a masked value is replaced with. */
export const MASK = "********";

/** Key names whose values are secret: passwords, secrets, tokens, keys, credentials. */
const SECRET_WORD = /password|passwd|passphrase|secret|token|credential|api_?key|private_?key/i;

/** Whether a key name looks like it holds a secret (`password`, `api_key`, `authToken`, `KEY`, ...). */
export function isSecretKey(name: string): boolean {
  if (SECRET_WORD.test(name)) return true;
  // `key` as a word of the name (`key`, `ssh-key`, `accessKey`), not inside one (`monkey`, `keyboard`).
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase().split(/[^a-z0-9]+/);
  return words.includes("key") || words.includes("pwd");
}

// `key: value` (YAML, optionally a list item or quoted key), `key = value` / `export KEY=value` (INI, env).
const YAML_LINE = /^(\s*(?:-\s+)?)(["']?)([\w.-]+)\2(\s*:\s+)(\S.*)$/;
const ASSIGN_LINE = /^(\s*(?:export\s+)?)([\w.-]+)(\s*=\s*)(\S.*)$/;
// `"key": "value"` in JSON.
const JSON_PAIR = /("([\w.-]+)"\s*:\s*)("(?:[^"\\]|\\.)*")/g;
// `NAME=value` pairs of systemd's `Environment=` (quoted or not).
const ENV_PAIR = /(^|[\s"])([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|[^\s"]*)/g;
// `scheme://user:password@host`.
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)([^\s@/]+)(@)/gi;

/**
 * Masks the secret values of one line (without a diff marker).
 *
 * @example
 * ```ts
 * import { maskLine } from "./mask.ts";
 * maskLine("  token: abc123"); // => "  token: ********"
 * ```
 */
export function maskLine(line: string): string {
  let out = line.replace(URL_PASSWORD, `$1${MASK}$3`);
  const env = /^(\s*Environment\s*=\s*)(.*)$/.exec(out);
  if (env) {
    return env[1] + env[2].replace(ENV_PAIR, (all, lead, name, value) => {
      if (!isSecretKey(name)) return all;
      const quoted = value.startsWith('"');
      return `${lead}${name}=${quoted ? `"${MASK}"` : MASK}`;
    });
  }
  out = out.replace(JSON_PAIR, (all, head, name) => isSecretKey(name) ? `${head}"${MASK}"` : all);
  const yaml = YAML_LINE.exec(out);
  if (yaml && isSecretKey(yaml[3]) && !/^[|>]?\s*(#.*)?$/.test(yaml[5])) {
    return `${yaml[1]}${yaml[2]}${yaml[3]}${yaml[2]}${yaml[4]}${maskValue(yaml[5])}`;
  }
  const assign = ASSIGN_LINE.exec(out);
  if (assign && isSecretKey(assign[2])) return `${assign[1]}${assign[2]}${assign[3]}${maskValue(assign[4])}`;
  return out;
}

/** Keeps the quotes and a trailing comment of a value, masks the rest. */
function maskValue(value: string): string {
  const quote = value[0] === '"' || value[0] === "'" ? value[0] : "";
  if (quote) return `${quote}${MASK}${quote}${value.slice(value.indexOf(quote, 1) + 1 || value.length)}`;
  const comment = /\s+#.*$/.exec(value);
  return MASK + (comment ? comment[0] : "");
}

/**
 * Masks the secrets of a text, line by line; in a unified diff, header lines are kept and
 * the `+`/`-`/` ` marker of each line stays in place.
 *
 * @example
 * ```ts
 * import { maskSecrets } from "./mask.ts";
 * maskSecrets("-password: old\n+password: new\n name: flame", { diff: true });
 * // => "-password: ********\n+password: ********\n name: flame"
 * ```
 */
export function maskSecrets(text: string, options: { diff?: boolean } = {}): string {
  // Decrypted vault texts are masked wherever they stand, whatever the key that holds them.
  return maskRevealed(text).split("\n").map((line) => {
    if (!options.diff) return maskLine(line);
    if (/^(---|\+\+\+|@@) /.test(line) || line === "\\ No newline at end of file") return line;
    const marker = /^[+\- ]/.test(line) ? line[0] : "";
    return marker + maskLine(line.slice(marker.length));
  }).join("\n");
}
