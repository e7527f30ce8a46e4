import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { HOSTILE } from "./quote_test.ts";
import { quote } from "./quote.ts";
import { Secret } from "./secret.ts";
import { becomeInput, wrapCommand } from "./wrap.ts";

Deno.test("wrapCommand() leaves a command alone without become, env or cwd", () => {
  assertEquals(wrapCommand("id -u"), "id -u");
});

const GROUP = (inner: string) =>
  `exec 3<&0; (${inner}) <&3 3<&- & muster_pid=$!; exec 3<&-; ` +
  `trap 'trap - TERM HUP; kill -TERM 0' TERM HUP; wait "$muster_pid"`;

Deno.test("wrapCommand() runs through sudo -n as the become user, the command's group ended on SIGTERM", () => {
  assertEquals(
    wrapCommand("id -u", { become: true }),
    `exec sudo -n -u root -- sh -c ${quote(GROUP("id -u"))}`,
  );
  assertEquals(
    wrapCommand("id -u", { become: true, becomeUser: "flame" }),
    `exec sudo -n -u flame -- sh -c ${quote(GROUP("id -u"))}`,
  );
});

Deno.test("wrapCommand()'s group wrapper keeps stdin, output and exit code, and ends stalled children on SIGTERM", async () => {
  const group = GROUP('read -r line; echo "got $line"; echo err >&2; exit 7');
  const child = new Deno.Command("sh", {
    args: ["-c", group],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  })
    .spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode("hello\n"));
  await writer.close();
  const out = await child.output();
  assertEquals([out.code, new TextDecoder().decode(out.stdout), new TextDecoder().decode(out.stderr)], [
    7,
    "got hello\n",
    "err\n",
  ]);
  const marker = `muster-wrap-${crypto.randomUUID()}`;
  const stalled = new Deno.Command("setsid", {
    args: ["sh", "-c", GROUP(`trap 'echo cleaned' EXIT; trap 'exit 143' TERM; sh -c 'sleep 30 # ${marker}'`)],
    stdout: "piped",
  }).spawn();
  await new Promise((resolve) => setTimeout(resolve, 300));
  stalled.kill("SIGTERM");
  const done = await stalled.output();
  assertEquals(new TextDecoder().decode(done.stdout), "cleaned\n");
  const left = await new Deno.Command("pgrep", { args: ["-f", marker] }).output();
  assertEquals(left.success, false);
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

Deno.test("wrapCommand() with askPassword reads the password from stdin, never from the command line", () => {
  const wrapped = wrapCommand("id -u", { become: true, askPassword: true });
  assertEquals(
    wrapped,
    "IFS= read -r MUSTER_BECOME_PASS && export MUSTER_BECOME_PASS && " +
      "SUDO_ASKPASS=$(command -v printenv) exec sudo -A -p MUSTER_BECOME_PASS -u root -- " +
      `sh -c ${quote(`unset MUSTER_BECOME_PASS; ${GROUP("id -u")}`)}`,
  );
});

Deno.test("becomeInput() puts the password's line before the command's input, and the shell reads only that line", async () => {
  const password = new Secret(() => "s3cret pass");
  assertEquals(becomeInput(password), "s3cret pass\n");
  assertEquals(
    becomeInput(password, new Uint8Array([104, 105])),
    new TextEncoder().encode("s3cret pass\nhi"),
  );
  // The wrapper's `read` takes the first line; what follows is the command's stdin.
  const child = new Deno.Command("sh", {
    args: ["-c", 'IFS= read -r MUSTER_BECOME_PASS && printf "%s|" "$MUSTER_BECOME_PASS" && sh -s'],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(becomeInput(password, "echo script ran\n") as string));
  await writer.close();
  assertEquals(new TextDecoder().decode((await child.output()).stdout), "s3cret pass|script ran\n");
});
