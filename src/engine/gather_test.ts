import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { ASK_HOST_UID, type Fact, hostUidFact } from "./fact.ts";
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
    fact("fails", "echo half; (exit 3)"),
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

Deno.test("gatherScript() runs the facts of a batch kind as one command over all their items, each fact getting its output", async () => {
  const listed = (key: string, items: string[]): Fact<string> => ({
    key,
    command: "echo alone",
    batch: { kind: "list", items, command: (all) => `echo ${all.join(" ")}; (exit 1)` },
    parse: (output) => output,
  });
  const facts = [listed("x", ["a", "b"]), fact("other", "echo other"), listed("y", ["b", "c"])];
  const script = gatherScript(facts, "n3");
  assertEquals(script.match(/echo a b c/g)?.length, 1);
  assertEquals(script.includes("alone"), false);
  const raw = parseGathered(await sh(script), "n3");
  assertEquals(Object.fromEntries(raw), {
    x: { output: "a b c\n", code: 1 },
    y: { output: "a b c\n", code: 1 },
    other: { output: "other\n", code: 0 },
  });
});

Deno.test("gatherScript() starts no process of its own for a fact: they run in the script's shell", async () => {
  // A subshell would not keep the variable; the script's shell does.
  const facts = [fact("set", "muster_seen=1"), fact("read", 'echo "${muster_seen:-unset}"')];
  const raw = parseGathered(await sh(gatherScript(facts, "n4")), "n4");
  assertEquals(raw.get("read"), { output: "1\n", code: 0 });
});

Deno.test("hostUidFact is the uid the gathering script runs as", async () => {
  const raw = parseGathered(await sh(gatherScript([hostUidFact], "n5")), "n5");
  const { output, code } = raw.get(hostUidFact.key)!;
  assertEquals(hostUidFact.parse(output, code), Deno.uid());
});

Deno.test("the scripts ask the uid of their shell's /proc/self/status, not of id, and of id where there is none", async () => {
  const uidOf = async (script: string) => {
    const raw = parseGathered(await sh(script), "n6");
    const { output, code } = raw.get(hostUidFact.key)!;
    return hostUidFact.parse(output, code);
  };
  // No program can be found: the uid comes from /proc.
  assertEquals(await uidOf(`PATH=/nonexistent\n${gatherScript([hostUidFact], "n6")}`), Deno.uid());
  // Without /proc, id answers.
  const withoutProc = gatherScript([hostUidFact], "n6").replace(
    ASK_HOST_UID,
    ASK_HOST_UID.replaceAll("/proc/", "/none/"),
  );
  assertEquals(await uidOf(withoutProc), Deno.uid());
});
