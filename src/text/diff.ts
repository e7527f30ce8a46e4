import { createTwoFilesPatch } from "diff";

/** A unified diff of two texts, headed by the path, without the `===` banner. */
export function unifiedDiff(path: string, before: string, after: string): string {
  const patch = createTwoFilesPatch(path, path, before, after, "on the host", "wanted", { context: 3 });
  return patch.split("\n").filter((line) => !line.startsWith("====") && !line.startsWith("Index: ")).join(
    "\n",
  ).trimEnd();
}
