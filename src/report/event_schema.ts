/**
 * The schema of `--events` (version 1), as zod: what a consumer may rely on. The tests check
 * every event a real run writes against it; the README's "Watching a run" documents it.
 */
import { z } from "zod";
import { ERROR_CATEGORIES, type ErrorCategory } from "../engine/errors.ts";

const category = z.enum(ERROR_CATEGORIES as [ErrorCategory, ...ErrorCategory[]]);
const hostStatus = z.enum(["ok", "changed", "failed", "skipped", "unreachable"]);
const base = {
  v: z.literal(1),
  ts: z.iso.datetime(),
  run: z.string().min(1),
};
const onHost = { ...base, host: z.string().min(1) };
const onRun = { ...base, host: z.null() };

/** Any event of the stream. */
export const runEventSchema = z.discriminatedUnion("type", [
  z.strictObject({
    ...onRun,
    type: z.literal("run.started"),
    command: z.string(),
    dryRun: z.boolean(),
    argv: z.array(z.string()),
    app: z.string().optional(),
  }),
  z.strictObject({ ...onHost, type: z.literal("host.started") }),
  z.strictObject({
    ...onHost,
    type: z.literal("host.phase"),
    phase: z.string(),
    role: z.string().optional(),
    step: z.string().optional(),
  }),
  z.strictObject({
    ...onHost,
    type: z.literal("host.planned"),
    steps: z.array(
      z.strictObject({ role: z.string(), step: z.string(), changes: z.int().nonnegative() }),
    ),
  }),
  z.strictObject({
    ...onHost,
    type: z.literal("step.started"),
    index: z.int().nonnegative(),
    total: z.int().positive(),
    role: z.string(),
    step: z.string(),
  }),
  z.strictObject({
    ...onHost,
    type: z.literal("step.finished"),
    index: z.int().nonnegative(),
    role: z.string(),
    step: z.string(),
    status: hostStatus.exclude(["unreachable"]),
    durationMs: z.number().nonnegative(),
    error: z.string().optional(),
    category: category.optional(),
  }),
  z.strictObject({ ...onHost, type: z.literal("host.output"), line: z.string() }),
  z.strictObject({
    ...onHost,
    type: z.literal("host.finished"),
    status: hostStatus,
    exitCode: z.int().nonnegative(),
    durationMs: z.number().nonnegative(),
    error: z.string().optional(),
    category: category.optional(),
    hint: z.string().optional(),
  }),
  z.strictObject({ ...onRun, type: z.literal("build.started"), total: z.int().nonnegative() }),
  z.strictObject({
    ...onRun,
    type: z.literal("build.progress"),
    current: z.int().nonnegative(),
    total: z.int().nonnegative(),
    unit: z.string(),
  }),
  z.strictObject({
    ...onRun,
    type: z.literal("build.finished"),
    ok: z.boolean(),
    durationMs: z.number().nonnegative(),
  }),
  z.strictObject({
    ...base,
    host: z.string().nullable(),
    type: z.literal("message"),
    level: z.enum(["info", "warn"]),
    text: z.string(),
  }),
  z.strictObject({
    ...onRun,
    type: z.literal("run.finished"),
    command: z.string(),
    exitCode: z.int().nonnegative(),
    durationMs: z.number().nonnegative(),
    summary: z.strictObject({
      hosts: z.int(),
      ok: z.int(),
      changed: z.int(),
      failed: z.int(),
      unreachable: z.int(),
      skipped: z.int(),
    }),
    error: z.strictObject({ message: z.string(), category, hint: z.string().optional() }).optional(),
  }),
]);

/** One event of the stream. */
export type StreamEvent = z.infer<typeof runEventSchema>;
