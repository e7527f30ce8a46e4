import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { HOSTILE } from "./quote_test.ts";
import { quote } from "./quote.ts";
import { wrapCommand } from "./wrap.ts";

Deno.test("wrapCommand() leaves a command alone without become, env or cwd", () => {
  assertEquals(wrapCommand("id -u"), "id -u");
});

Deno.test("wrapCommand() runs through sudo -n as the become user", () => {
  assertEquals(wrapCommand("id -u", { become: true }), "sudo -n -u root -- sh -c 'id -u'");
  assertEquals(
    wrapCommand("id -u", { become: true, becomeUser: "flame" }),
    "sudo -n -u flame -- sh -c 'id -u'",
  );
});

Deno.test("wrapCommand() keeps hostile values intact through env, cwd and nested sh -c", async () => {
  const dir = await Deno.makeTempDir({ prefix: "muster wrap ' $(x) " });
  try {
    const command = `printf '%s\\0' "$VALUE" "$(pwd)" ${HOSTILE.map(quote).join(" ")}`;
    for (const value of HOSTILE) {
      const wrapped = wrapCommand(command, { env: { VALUE: value }, cwd: dir });
      const out = await new Deno.Command("sh", { args: ["-c", wrapped], stdout: "piped" }).output();
      const words = new TextDecoder().decode(out.stdout).split("\0").slice(0, -1);
      assertEquals(words, [value, dir, ...HOSTILE]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
