import { createTwoFilesPatch } from "diff";

/**
 * A unified diff of two texts, headed by the path, without the `===` banner. A file that
 * does not exist yet (`before` undefined) is diffed from `/dev/null`, as diff and git do.
 */
export function unifiedDiff(path: string, before: string | undefined, after: string): string {
  const patch = before === undefined
    ? createTwoFilesPatch("/dev/null", path, "", after, undefined, "wanted", { context: 3 })
    : createTwoFilesPatch(path, path, before, after, "on the host", "wanted", { context: 3 });
  return patch.split("\n").filter((line) => !line.startsWith("====") && !line.startsWith("Index: ")).join(
    "\n",
  ).trimEnd();
}
