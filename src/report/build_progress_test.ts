import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import type { RunEvent } from "../engine/events.ts";
import { buildRenderer, formatElapsed, progressBar } from "./build_progress.ts";

function render(options: { tty: boolean; verbose: boolean }, events: RunEvent[], clock: number[] = []) {
  let out = "";
  let tick = 0;
  const listen = buildRenderer({
    ...options,
    write: (s) => out += s,
    now: () => clock[Math.min(tick++, clock.length - 1)] ?? 0,
    barWidth: 10,
  });
  for (const event of events) listen(event);
  return out;
}

function progress(total: number, units: string[]): RunEvent[] {
  return units.map((unit, i) => ({ type: "build-progress", current: i + 1, total, unit }));
}

Deno.test("progressBar() fills with = and puts > at the head", () => {
  assertEquals(progressBar(0, 120, 10), "[>         ]");
  assertEquals(progressBar(45, 120, 10), "[===>      ]");
  assertEquals(progressBar(119, 120, 10), "[=========>]");
  assertEquals(progressBar(120, 120, 10), "[==========]");
  assertEquals(progressBar(130, 120, 10), "[==========]");
  assertEquals(progressBar(3, 0, 4), "[>   ]");
});

Deno.test("formatElapsed() shows tenths under a minute and minutes above", () => {
  assertEquals(formatElapsed(12_345), "12.3s");
  assertEquals(formatElapsed(0), "0.0s");
  assertEquals(formatElapsed(204_000), "3m 24s");
});

Deno.test("buildRenderer() at a TTY redraws one line in place and ends with ✓ and the time", () => {
  const out = render({ tty: true, verbose: false }, [
    { type: "build-start", total: 120 },
    { type: "build-progress", current: 45, total: 120, unit: "tokio" },
    { type: "build-output", line: "   Compiling tokio v1.0.0" },
    { type: "build-end", ok: true, durationMs: 204_000 },
  ], [0, 0, 12_300]);
  const frames = out.split("\r\x1b[2K").slice(1);
  assertEquals(frames, [
    "Building [>         ] 0/120 (0%) 0.0s",
    "Building [===>      ] 45/120 (37%) 12.3s tokio",
    "Building [==========] 120/120 (100%) ✓ 3m 24s\n",
  ]);
});

Deno.test("buildRenderer() at a TTY shows where a failed build stopped", () => {
  const out = render({ tty: true, verbose: false }, [
    { type: "build-start", total: 8 },
    ...progress(8, ["common", "flmctl", "flmadm"]),
    { type: "build-end", ok: false, durationMs: 2_100 },
  ]);
  assertEquals(out.split("\r\x1b[2K").at(-1), "Building [===>      ] 3/8 (37%) ✗ failed after 2.1s\n");
});

Deno.test("buildRenderer() at a TTY keeps the line within 79 columns", () => {
  const unit = "a-crate-with-a-name-that-goes-on-and-on-and-on-and-on-and-on-forever";
  const out = render({ tty: true, verbose: false }, [
    { type: "build-start", total: 120 },
    { type: "build-progress", current: 1, total: 120, unit },
  ]);
  const frame = out.split("\r\x1b[2K").at(-1)!;
  assertEquals(frame.length <= 79, true, frame);
  ok(frame.endsWith("…"), frame);
});

Deno.test("buildRenderer() without a TTY prints a line per 10% at most", () => {
  const units = Array.from({ length: 40 }, (_, i) => `crate${i + 1}`);
  const out = render({ tty: false, verbose: false }, [
    { type: "build-start", total: 40 },
    ...progress(40, units),
    { type: "build-end", ok: true, durationMs: 5_000 },
  ]);
  const lines = out.trimEnd().split("\n");
  assertEquals(lines[0], "Building: 0/40 (0%)");
  assertEquals(lines[1], "Building: 4/40 (10%) Compiling crate4");
  assertEquals(lines.at(-2), "Building: 40/40 (100%) Compiling crate40");
  assertEquals(lines.at(-1), "Building: done, 40/40 (100%) in 5.0s");
  assertEquals(lines.length, 12);
  assertEquals(out.includes("\r"), false);
  assertEquals(out.includes("\x1b"), false);
});

Deno.test("buildRenderer() without a TTY prints every package of a small build", () => {
  const out = render({ tty: false, verbose: false }, [
    { type: "build-start", total: 3 },
    ...progress(3, ["common", "flmctl", "flmadm"]),
    { type: "build-end", ok: false, durationMs: 1_000 },
  ]);
  assertEquals(
    out,
    [
      "Building: 0/3 (0%)",
      "Building: 1/3 (33%) Compiling common",
      "Building: 2/3 (66%) Compiling flmctl",
      "Building: 3/3 (100%) Compiling flmadm",
      "Building: failed at 3/3 (100%) after 1.0s",
      "",
    ].join("\n"),
  );
});

Deno.test("buildRenderer() with an unknown total counts packages", () => {
  const units = Array.from({ length: 12 }, (_, i) => `c${i + 1}`);
  const out = render({ tty: false, verbose: false }, [
    { type: "build-start", total: 0 },
    ...units.map((unit, i): RunEvent => ({ type: "build-progress", current: i + 1, total: 0, unit })),
    { type: "build-end", ok: true, durationMs: 1_000 },
  ]);
  assertEquals(
    out,
    "Building: started\nBuilding: 10 compiled Compiling c10\nBuilding: done, 12 compiled in 1.0s\n",
  );
});

Deno.test("buildRenderer() with --verbose streams cargo's lines instead of a bar", () => {
  for (const tty of [true, false]) {
    const out = render({ tty, verbose: true }, [
      { type: "build-start", total: 2 },
      { type: "build-output", line: "   Compiling common v0.1.0" },
      { type: "build-progress", current: 1, total: 2, unit: "common" },
      { type: "build-output", line: "error[E0308]: mismatched types" },
      { type: "build-end", ok: false, durationMs: 800 },
    ]);
    assertEquals(
      out,
      "Building (2 packages)\n   Compiling common v0.1.0\nerror[E0308]: mismatched types\nBuild failed after 0.8s ✗\n",
    );
  }
});

Deno.test("buildRenderer() ignores output lines when not verbose and events of other kinds", () => {
  const out = render({ tty: false, verbose: false }, [
    { type: "host-start", host: "node1" },
    { type: "build-output", line: "warning: unused variable" },
    { type: "message", level: "info", text: "hello" },
  ]);
  assertEquals(out, "");
});
