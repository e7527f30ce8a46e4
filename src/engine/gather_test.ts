import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { Fact } from "./fact.ts";
import { gatherScript, parseGathered } from "./gather.ts";

function fact(key: string, command: string): Fact<string> {
  return { key, command, parse: (output) => output };
}

async function sh(script: string): Promise<string> {
  const out = await new Deno.Command("sh", { args: ["-c", script], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout);
}

Deno.test("gatherScript() runs every fact once and parseGathered() gives back each output and code", async () => {
  const facts = [
    fact("a", "printf 'one\\ntwo\\n'"),
    fact("no newline", "printf 'x'"),
    fact("empty", "true"),
    fact("fails", "echo half; exit 3"),
    fact("a", "echo duplicate"),
    fact("stderr is dropped", "echo err >&2; echo out"),
  ];
  const raw = parseGathered(await sh(gatherScript(facts, "n1")), "n1");
  assertEquals(Object.fromEntries(raw), {
    a: { output: "one\ntwo\n", code: 0 },
    "no newline": { output: "x", code: 0 },
    empty: { output: "", code: 0 },
    fails: { output: "half\n", code: 3 },
    "stderr is dropped": { output: "out\n", code: 0 },
  });
});

Deno.test("parseGathered() is not fooled by output that imitates a marker without the nonce", async () => {
  const facts = [fact("k", "echo '@@muster-other-rc: 0'; echo real")];
  const raw = parseGathered(await sh(gatherScript(facts, "secret")), "secret");
  assertEquals(raw.get("k"), { output: "@@muster-other-rc: 0\nreal\n", code: 0 });
});

Deno.test("gatherScript() keeps a key with shell characters (a command as key) intact", async () => {
  const key = "app-fact:ip -o route get 10.0.0.1 | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p' ; $(x) `y` *";
  const raw = parseGathered(await sh(gatherScript([fact(key, "echo ok")], "n2")), "n2");
  assertEquals(raw.get(key), { output: "ok\n", code: 0 });
});
