import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { CancelledError, MusterError } from "../engine/errors.ts";
import { LocalTransport } from "./local.ts";

const local = new LocalTransport({
  name: "localhost",
  kind: "local",
  address: "localhost",
  port: 22,
  become: false,
  becomeUser: "root",
});

Deno.test("LocalTransport.run() runs a command with its stdin and returns its output", async () => {
  assertEquals(await local.run("cat; echo err >&2; exit 3", { stdin: "in\n" }), {
    code: 3,
    stdout: "in\n",
    stderr: "err\n",
  });
});

Deno.test("LocalTransport.run() stops a stalled command tree on abort, with the signal's reason", async () => {
  const marker = `muster-local-stall-${crypto.randomUUID()}`;
  const controller = new AbortController();
  const started = performance.now();
  setTimeout(() => controller.abort(new MusterError("Timed out after 0.3 s", 3)), 300);
  // A child that holds the pipes open and ignores nothing: sh waits on it.
  await rejects(
    local.run(`sh -c 'sleep 30; echo ${marker}' & wait`, { signal: controller.signal }),
    (error: unknown) => error instanceof MusterError && error.message === "Timed out after 0.3 s",
  );
  ok(performance.now() - started < 5000, "it did not wait for the sleep");
  await new Promise((resolve) => setTimeout(resolve, 200));
  const left = await new Deno.Command("pgrep", { args: ["-f", marker] }).output();
  ok(!left.success, "no process of the tree is left");
});

Deno.test("LocalTransport.run() rejects with a CancelledError for a plain abort", async () => {
  const controller = new AbortController();
  controller.abort();
  await rejects(local.run("true", { signal: controller.signal }), CancelledError);
});
