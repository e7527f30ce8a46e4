import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { noteUploaded, UPLOAD_BYTES_PER_GC } from "./collect.ts";

const global = globalThis as { gc?: unknown };

Deno.test("noteUploaded() asks for one async major collection per UPLOAD_BYTES_PER_GC uploaded", () => {
  const saved = global.gc;
  const calls: unknown[] = [];
  global.gc = (options: unknown) => calls.push(options);
  try {
    const chunk = 128 * 1024;
    const chunks = Math.ceil((UPLOAD_BYTES_PER_GC * 2.5) / chunk);
    for (let i = 0; i < chunks; i++) noteUploaded(chunk);
    assertEquals(calls, [{ type: "major", execution: "async" }, { type: "major", execution: "async" }]);
  } finally {
    global.gc = saved;
  }
});

Deno.test("noteUploaded() does nothing where gc is not exposed", () => {
  const saved = global.gc;
  delete global.gc;
  try {
    noteUploaded(UPLOAD_BYTES_PER_GC * 4); // must not throw
  } finally {
    global.gc = saved;
  }
});
