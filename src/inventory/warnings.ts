/**
 * Ansible's warnings as it prints them on stderr: `[WARNING]: ` and the message, wrapped
 * at 79 columns as Python's `textwrap.wrap` wraps it (Ansible's width without a terminal:
 * at spaces, and after the hyphen of a hyphenated word). The inventory layer returns its
 * warnings as data (`Inventory.warnings`); the CLI prints them with this.
 */

/** Where `textwrap` may break a word: after a hyphen between letters (`int-hostname`). */
const HYPHEN_BREAK = /(?<=[\p{L}_]{2}-|[\p{L}_]-[\p{L}_]-)(?=[\p{L}_]-?[\p{L}_])/u;

/**
 * One warning as Ansible's `Display.warning` prints it, ending with a newline.
 *
 * @example
 * ```ts
 * import { ansibleWarning } from "./warnings.ts";
 * ansibleWarning("No inventory was parsed"); // => "[WARNING]: No inventory was parsed\n"
 * ```
 */
export function ansibleWarning(message: string, columns = 79): string {
  // Each chunk with the whitespace before it (every whitespace character counts as a space).
  const chunks: { text: string; gap: string }[] = [];
  const parts = `[WARNING]: ${message}`.split(/(\s+)/);
  for (let i = 0; i < parts.length; i += 2) {
    const gap = i > 0 ? " ".repeat(parts[i - 1].length) : "";
    if (parts[i] === "") continue;
    parts[i].split(HYPHEN_BREAK).forEach((text, j) => chunks.push({ text, gap: j === 0 ? gap : "" }));
  }
  const lines: string[] = [];
  let line = "";
  for (const chunk of chunks) {
    let text = chunk.text;
    const gap = line ? chunk.gap : "";
    if (line.length + gap.length + text.length <= columns) {
      line += gap + text;
      continue;
    }
    if (line) lines.push(line);
    line = "";
    // textwrap cuts a chunk longer than a whole line.
    while (text.length > columns) {
      lines.push(text.slice(0, columns));
      text = text.slice(columns);
    }
    line = text;
  }
  if (line) lines.push(line);
  return lines.join("\n") + "\n";
}
