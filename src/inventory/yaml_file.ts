/**
 * Loads a YAML or JSON text as Ansible's loader does: JSON first (Python's `json.loads`),
 * else YAML with PyYAML's YAML 1.1 scalars, merge keys (`<<`), anchors, the `!unsafe` tag
 * and Ansible's `!vault` tag (a `VaultValue`; a whole vault-encrypted text is decrypted
 * first, with the passwords given). Every mapping built remembers where its entries were written (`yaml_positions.ts`).
 * Common block-style files take a fast path (`yaml_fast.ts`); the rest go through the
 * `yaml` package.
 */

import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { InventoryError, type SourcePosition } from "../engine/errors.ts";
import { isEncrypted, Vault, VaultValue } from "./vault.ts";
import { rememberSecretsIn } from "../text/secrets.ts";
import { parseFastYaml } from "./yaml_fast.ts";
import { recordEntry, setKey } from "./yaml_positions.ts";
import {
  constructScalar,
  keyString,
  resolveJsonPlain,
  resolvePlain,
  TAG,
  typeName,
  YamlValueError,
} from "./yaml_values.ts";

/** Options of `parseYaml`. */
export interface ParseYamlOptions {
  /** Skip the fast path (tests compare both). @default false */
  slow?: boolean;
  /**
   * The vault passwords: a vault-encrypted text is decrypted with them, and `!vault`
   * values keep them to decrypt when used. @default no passwords
   */
  vault?: Vault;
}

interface Context {
  doc: Document;
  lines: LineCounter;
  file: string;
  json: boolean;
  depth: number;
  vault?: Vault;
  /** The text parsed. */
  text: string;
}

/**
 * A scalar's text. A block scalar (`|`, `>`) that ends the text without a final line break
 * has none, as in PyYAML (the yaml package adds one).
 */
function scalarText(ctx: Context, node: Node): string {
  if (!isScalar(node)) return "";
  const text = node.value === null || node.value === undefined ? "" : String(node.value);
  const block = node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED";
  const atEnd = (node.range?.[1] ?? 0) >= ctx.text.length && !/[\r\n]$/.test(ctx.text);
  return block && atEnd && text.endsWith("\n") ? text.slice(0, -1) : text;
}

function positionOf(ctx: Context, offset: number): SourcePosition {
  const { line, col } = ctx.lines.linePos(offset);
  return { file: ctx.file, line, col };
}

function fail(ctx: Context, node: Node | null | undefined, message: string): never {
  throw new InventoryError(message, positionOf(ctx, node?.range?.[0] ?? 0));
}

function convert(ctx: Context, node: Node | null | undefined): unknown {
  if (node === null || node === undefined) return null;
  if (ctx.depth > 200) fail(ctx, node, "YAML nesting is too deep (a recursive alias?)");
  ctx.depth++;
  try {
    return convertNode(ctx, node);
  } finally {
    ctx.depth--;
  }
}

function convertNode(ctx: Context, node: Node): unknown {
  if (isAlias(node)) {
    const target = node.resolve(ctx.doc);
    if (!target) fail(ctx, node, `Unknown YAML alias: *${node.source}`);
    return convert(ctx, target as Node);
  }
  const tag = node.tag;
  if (tag === "!vault") {
    if (!isScalar(node)) fail(ctx, node, "Invalid !vault value: expected the encrypted text");
    return new VaultValue(scalarText(ctx, node), positionOf(ctx, node.range?.[0] ?? 0), ctx.vault);
  }
  if (isScalar(node)) {
    const text = scalarText(ctx, node);
    try {
      if (tag === "!unsafe" || tag === "!") return text;
      if (tag) return constructScalar(tag, text);
      if (node.type !== "PLAIN") return text;
      return ctx.json ? resolveJsonPlain(text) : resolvePlain(text);
    } catch (error) {
      if (!(error instanceof YamlValueError)) throw error;
      fail(ctx, node, `Invalid YAML value: ${error.message}`);
    }
  }
  if (isSeq(node)) {
    if (tag && tag !== TAG.seq && tag !== "!unsafe") fail(ctx, node, `Unsupported YAML tag: ${tag}`);
    return node.items.map((item) => convert(ctx, item as Node));
  }
  if (isMap(node)) {
    if (tag && tag !== TAG.map && tag !== "!unsafe") fail(ctx, node, `Unsupported YAML tag: ${tag}`);
    return convertMap(ctx, node);
  }
  fail(ctx, node, "Unsupported YAML node");
}

function isMergeKey(ctx: Context, key: unknown): boolean {
  return !ctx.json && isScalar(key) && key.type === "PLAIN" && !key.tag && key.value === "<<";
}

/** The mappings a merge key (`<<: *a` or `<<: [*a, *b]`) brings in, in PyYAML's order. */
function mergedMaps(ctx: Context, value: Node | null): Node[] {
  const resolve = (n: Node | null): Node | null =>
    n && isAlias(n) ? (n.resolve(ctx.doc) as Node | undefined) ?? null : n;
  const target = resolve(value);
  if (target && isMap(target)) return [target];
  if (target && isSeq(target)) {
    const maps = target.items.map((item) => resolve(item as Node));
    for (const m of maps) {
      if (!m || !isMap(m)) fail(ctx, value, "Expected a mapping for merging, but found another node");
    }
    return (maps as Node[]).reverse();
  }
  fail(ctx, value, "Expected a mapping or list of mappings for merging");
}

function convertMap(ctx: Context, node: Node): unknown {
  const out: Record<string, unknown> = {};
  if (!isMap(node)) return out;
  const pairs: { key: Node | null; value: Node | null }[] = [];
  const own: { key: Node | null; value: Node | null }[] = [];
  for (const pair of node.items) {
    const key = pair.key as Node | null;
    const value = pair.value as Node | null;
    if (isMergeKey(ctx, key)) {
      for (const merged of mergedMaps(ctx, value)) {
        if (!isMap(merged)) continue;
        for (const p of merged.items) {
          pairs.push({ key: p.key as Node | null, value: p.value as Node | null });
        }
      }
    } else {
      own.push({ key, value });
    }
  }
  for (const { key, value } of [...pairs, ...own]) {
    const raw = convert(ctx, key);
    const name = keyString(raw);
    if (name === undefined) {
      fail(ctx, key, `Unsupported YAML mapping key: a ${typeName(raw)} cannot be a key`);
    }
    setKey(out, name, convert(ctx, value));
    const keyPos = positionOf(ctx, key?.range?.[0] ?? node.range?.[0] ?? 0);
    const emptyValue = !value || (isScalar(value) && value.range && value.range[0] === value.range[1]);
    const valuePos = emptyValue ? keyPos : positionOf(ctx, value!.range?.[0] ?? 0);
    recordEntry(out, name, { key: keyPos, value: valuePos, raw });
  }
  return ctx.json ? jsonObjectHook(ctx, node, out) : out;
}

/** Ansible's JSON decoder: `{"__ansible_vault": ...}` is a vault value, `{"__ansible_unsafe": ...}` a string. */
function jsonObjectHook(ctx: Context, node: Node, out: Record<string, unknown>): unknown {
  if (typeof out.__ansible_vault === "string") {
    return new VaultValue(out.__ansible_vault, positionOf(ctx, node.range?.[0] ?? 0), ctx.vault);
  }
  if ("__ansible_unsafe" in out) return out.__ansible_unsafe;
  return out;
}

function slowParse(text: string, file: string, json: boolean, vault?: Vault): unknown {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    schema: "failsafe",
    lineCounter: lines,
    uniqueKeys: false,
    prettyErrors: false,
  });
  const ctx: Context = { doc, lines, file, json, depth: 0, vault, text };
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    const message = error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, "");
    throw new InventoryError(`Invalid YAML: ${message}`, positionOf(ctx, error.pos[0]));
  }
  return convert(ctx, doc.contents as Node | null);
}

/**
 * Parses a YAML or JSON text into plain values, as Ansible's loader would, recording the
 * position of every mapping entry. Throws `InventoryError` with the file, line and column
 * of a syntax error or of a value PyYAML would refuse.
 *
 * @example
 * ```ts
 * import { parseYaml } from "./yaml_file.ts";
 * parseYaml("port: 0022\nenabled: yes\n", "vars.yml"); // => { port: 18, enabled: true }
 * ```
 */
export function parseYaml(text: string, file: string, options: ParseYamlOptions = {}): unknown {
  if (isEncrypted(text)) {
    const vault = options.vault ?? new Vault();
    const value = parseText(vault.decrypt(text, { file, line: 1, col: 1 }), file, options);
    rememberSecretsIn(value);
    return value;
  }
  return parseText(text, file, options);
}

function parseText(text: string, file: string, options: ParseYamlOptions): unknown {
  const first = /\S/.exec(text)?.[0];
  if (first === "{" || first === "[") {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return slowParse(text, file, false, options.vault);
    }
    try {
      return slowParse(text, file, true, options.vault);
    } catch (error) {
      if (!(error instanceof InventoryError)) throw error;
      return value;
    }
  }
  if (!options.slow) {
    const fast = parseFastYaml(text, file);
    if (fast.ok) return fast.value;
  }
  return slowParse(text, file, false, options.vault);
}
