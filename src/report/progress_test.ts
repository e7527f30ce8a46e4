import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import type { HostResult } from "../engine/result.ts";
import { hostProgress } from "./progress.ts";
import { makeStyle } from "./style.ts";

const result = (name: string): HostResult => ({
  name,
  address: name,
  status: "changed",
  exitCode: 0,
  durationMs: 1200,
  steps: [],
});

Deno.test("hostProgress() without a TTY writes one plain line per event, prefixed with the host", () => {
  const out: string[] = [];
  const progress = hostProgress({ tty: false, write: (t) => out.push(t), style: makeStyle(false) });
  progress.onEvent({ type: "host-start", host: "web1" });
  progress.onEvent({ type: "host-phase", host: "web1", phase: "apply", role: "install", step: "binaries" });
  progress.onEvent({ type: "host-end", result: result("web1") });
  progress.stop();
  assertEquals(out, ["[web1] start\n", "[web1] apply install/binaries\n", "[web1] changed (1.2s)\n"]);
});

Deno.test("hostProgress() at a TTY redraws one line per running host in place, with its step and elapsed time", () => {
  let now = 0;
  const out: string[] = [];
  const progress = hostProgress({
    tty: true,
    write: (t) => out.push(t),
    style: makeStyle(false),
    now: () => now,
  });
  progress.onEvent({ type: "host-start", host: "web1" });
  progress.onEvent({ type: "host-start", host: "web2" });
  now = 2500;
  progress.onEvent({ type: "host-phase", host: "web2", phase: "apply", role: "systemd", step: "units" });
  const frame = out.at(-1)!;
  ok(frame.startsWith("\x1b[2A"), JSON.stringify(frame)); // back up over the two host lines
  ok(frame.includes("\r\x1b[2Kweb1  starting  2.5s\n"), JSON.stringify(frame));
  ok(frame.includes("\r\x1b[2Kweb2  apply systemd/units  2.5s\n"), JSON.stringify(frame));
  progress.onEvent({ type: "host-end", result: result("web1") });
  const after = out.at(-1)!;
  assertEquals(after.includes("web1"), false, "a finished host leaves the live lines");
  progress.stop();
});
