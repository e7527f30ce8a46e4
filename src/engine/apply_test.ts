import { deepStrictEqual as assertEquals, match } from "node:assert/strict";
import { LocalTransport } from "../transport/local.ts";
import { quote } from "../transport/quote.ts";
import { shOp } from "./change.ts";
import type { Fact } from "./fact.ts";
import { stepWatcher } from "./apply.ts";
import { runJobs } from "./run.ts";
import type { Step } from "./step.ts";

const connection = {
  name: "here",
  kind: "local" as const,
  address: "localhost",
  port: 22,
  become: false,
  becomeUser: "root",
};

function fileStep(
  name: string,
  path: string,
  options: { exitCode?: number; verify?: string; rollback?: string } = {},
): Step {
  const exists: Fact<boolean> = {
    key: `exists:${path}`,
    command: `test -e ${quote(path)}`,
    parse: (_, code) => code === 0,
  };
  return {
    role: "test",
    name,
    exitCode: options.exitCode ?? 3,
    facts: [exists],
    plan: (facts) =>
      facts.get(exists) ? [] : [{ action: "create", target: path, ops: [shOp(`touch ${quote(path)}`)] }],
    verify: options.verify ? () => options.verify : undefined,
    rollback: options.rollback ? () => options.rollback : undefined,
  };
}

async function run(steps: Step[], dryRun = false) {
  const outcome = await runJobs([{ connection, steps }], {
    connect: (c) => Promise.resolve(new LocalTransport(c)),
    emit: () => {},
    dryRun,
    unreachableExitCode: 3,
  });
  return outcome.results[0];
}

Deno.test("runJobs() applies only what the plan found missing, and a rerun changes nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const steps = [fileStep("a", `${dir}/a`), fileStep("b", `${dir}/b`)];
    await Deno.writeTextFile(`${dir}/b`, "");
    const first = await run(steps);
    assertEquals(first.status, "changed");
    assertEquals(first.steps.map((s) => s.status), ["changed", "ok"]);
    const second = await run(steps);
    assertEquals([second.status, second.exitCode], ["ok", 0]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runJobs() with dryRun plans and changes nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const result = await run([fileStep("a", `${dir}/a`)], true);
    assertEquals(result.steps[0].changes, [{ action: "create", target: `${dir}/a` }]);
    assertEquals(await Deno.stat(`${dir}/a`).then(() => true, () => false), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a failed verification fails its step with the step's exit code and rolls back", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const result = await run([
      fileStep("a", `${dir}/a`, { rollback: `rm -f ${quote(`${dir}/a`)}` }),
      fileStep("b", `${dir}/b`, { exitCode: 5, verify: "echo 'b does not answer' >&2; exit 1" }),
    ]);
    assertEquals(result.status, "failed");
    assertEquals(result.exitCode, 5);
    assertEquals(result.steps[1].status, "failed");
    match(result.steps[1].error!, /Verification failed: b does not answer/);
    assertEquals(await Deno.stat(`${dir}/a`).then(() => true, () => false), false, "rolled back");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stepWatcher() finds step markers even when chunks split them", () => {
  const seen: number[] = [];
  const watch = stepWatcher("n1", (unit) => seen.push(unit));
  for (const chunk of ["@@muster-n1-st", "ep:0\nother\n@@muster-n1-step:1", "\n@@muster-n2-step:9\n"]) {
    watch(chunk);
  }
  assertEquals(seen, [0, 1]);
});

Deno.test("runJobs() fails a host whose step went on past what it could not mend (muster_exit_at_least)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const stubborn: Step = {
      ...fileStep("services", `${dir}/s`),
      exitCode: 3,
      plan: () => [{
        action: "change",
        target: "service x",
        ops: [shOp("muster_warn 'x did not stop within 30s; going on'; muster_exit_at_least 3")],
      }],
    };
    const result = await run([stubborn, fileStep("files", `${dir}/f`)]);
    assertEquals([result.status, result.exitCode], ["failed", 3]);
    assertEquals(result.steps.map((s) => s.status), ["failed", "changed"]);
    assertEquals(result.error, "x did not stop within 30s; going on");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runJobs() closes each host's connection once, when the host is done, and keeps none", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const log: string[] = [];
    class Counted extends LocalTransport {
      override close(): Promise<void> {
        log.push(`close ${this.connection.name}`);
        return super.close();
      }
    }
    const jobs = ["a", "b", "c"].map((name) => ({
      connection: { ...connection, name },
      steps: [fileStep(name, `${dir}/${name}`)],
    }));
    await runJobs(jobs, {
      connect: (c) => {
        log.push(`connect ${c.name}`);
        return Promise.resolve(new Counted(c));
      },
      emit: () => {},
      dryRun: false,
      forks: 1,
      unreachableExitCode: 3,
    });
    assertEquals(log, ["connect a", "close a", "connect b", "close b", "connect c", "close c"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
