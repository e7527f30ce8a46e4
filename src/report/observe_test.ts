import { deepStrictEqual as assertEquals, match, ok, rejects } from "node:assert/strict";
import { BuildError, ConnectionError, InventoryError } from "../engine/errors.ts";
import type { HostResult, RunReport } from "../engine/result.ts";
import { EventLog } from "./event_log.ts";
import { runEventSchema } from "./event_schema.ts";
import { escapeHtml, failedFirst, renderHtml } from "./html.ts";
import {
  LiveStepStates,
  pushMetrics,
  renderMetrics,
  stepState,
  textfileName,
  writeTextfile,
} from "./metrics.ts";
import { renderRecap } from "./recap.ts";
import { buildReport, failedReport, fallbackCategory } from "./report.ts";
import { makeStyle } from "./style.ts";

function host(name: string, status: HostResult["status"], extra: Partial<HostResult> = {}): HostResult {
  return {
    name,
    address: `10.0.0.${name.length}`,
    status,
    exitCode: status === "failed" || status === "unreachable" ? 3 : 0,
    durationMs: 1200,
    steps: [
      {
        role: "install",
        step: "directories",
        status: status === "failed" ? "failed" : "changed",
        changes: [],
        durationMs: 700,
      },
      {
        role: "install",
        step: "config",
        status: status === "failed" ? "skipped" : "changed",
        changes: [{
          action: "change",
          target: "/p/conf/app.yaml",
          diff: "-password: hunter2\n+password: hunter3\n",
        }],
        durationMs: 30,
      },
    ],
    startedAt: "2026-01-01T00:00:01.000Z",
    phases: [{ phase: "connect", startMs: 0, durationMs: 100 }, {
      phase: "apply",
      startMs: 300,
      durationMs: 900,
    }],
    ...extra,
  };
}

function fleetReport(): RunReport {
  const report = buildReport("install", { dryRun: false, startedAt: new Date("2026-01-01T00:00:00Z") }, [
    host("web1", "changed"),
    host("web2", "failed", { error: "mkdir: Read-only <file> system", category: "install" }),
    host("web3", "unreachable", { error: "Cannot connect to deploy@web3:22: connection refused", steps: [] }),
  ]);
  report.runId = "run-1";
  return report;
}

Deno.test("ConnectionError has the category its words say: host-key, auth or network", () => {
  assertEquals(new ConnectionError("Cannot connect to a: host key changed: ...").category, "host-key");
  assertEquals(new ConnectionError("Cannot connect to a: authentication failed for user x").category, "auth");
  assertEquals(new ConnectionError("Cannot connect to a: connection refused").category, "network");
  assertEquals(new BuildError("no").category, "build");
  assertEquals(new InventoryError("bad").category, "validation");
});

Deno.test("buildReport() gives a failed host without a category the one its exit code means", () => {
  assertEquals(fallbackCategory("install", { status: "failed", exitCode: 4, steps: [] }), "service");
  assertEquals(fallbackCategory("install", { status: "failed", exitCode: 1, steps: [] }), "validation");
  assertEquals(fallbackCategory("uninstall", { status: "failed", exitCode: 3, steps: [] }), "service");
  assertEquals(
    fallbackCategory("install", {
      status: "unreachable",
      exitCode: 3,
      error: "host key revoked: x",
      steps: [],
    }),
    "host-key",
  );
  const report = fleetReport();
  assertEquals(report.hosts.map((h) => h.category), [undefined, "install", "network"]);
});

Deno.test("failedReport() carries the error that ended the run, with its category", () => {
  const report = failedReport(
    "install",
    { startedAt: new Date(), runId: "r" },
    new BuildError("cargo failed"),
  );
  assertEquals([report.exitCode, report.error, report.hosts], [2, {
    message: "cargo failed",
    category: "build",
  }, []]);
});

Deno.test("renderRecap() names each error's category and the slowest steps", () => {
  const text = renderRecap(fleetReport(), makeStyle(false));
  match(text, /web2 .*\n {2}error \(install\): mkdir: Read-only <file> system/);
  match(text, /web3 .*\n {2}error \(network\): Cannot connect/);
  match(
    text,
    /slowest steps: web1 install\/directories 700ms, web2 install\/directories 700ms, web1 install\/config 30ms/,
  );
});

Deno.test("EventLog writes versioned events that the schema accepts, with the run id and host", () => {
  const lines: string[] = [];
  const log = new EventLog((line) => lines.push(line), "run-1", () => new Date("2026-01-01T00:00:00Z"));
  log.started({ command: "install", dryRun: false, argv: ["install"], app: "flame" });
  log.onEvent({ type: "host-start", host: "web1" });
  log.onEvent({ type: "host-phase", host: "web1", phase: "apply", role: "install", step: "config" });
  log.onEvent({ type: "step-start", host: "web1", index: 1, total: 2, role: "install", step: "config" });
  log.onEvent({
    type: "step-end",
    host: "web1",
    index: 1,
    role: "install",
    step: "config",
    status: "failed",
    durationMs: 5,
    error: "x",
    category: "install",
  });
  log.onEvent({ type: "build-output", line: "Compiling" });
  log.onEvent({ type: "host-end", result: fleetReport().hosts[1] });
  log.finished(fleetReport());
  ok(lines.every((line) => line.endsWith("\n") && !line.slice(0, -1).includes("\n")));
  const events = lines.map((line) => runEventSchema.parse(JSON.parse(line)));
  assertEquals(events.map((e) => e.type), [
    "run.started",
    "host.started",
    "host.phase",
    "step.started",
    "step.finished",
    "host.finished",
    "run.finished",
  ]);
  assertEquals(events.map((e) => [e.v, e.run, e.host]).slice(0, 3), [
    [1, "run-1", null],
    [1, "run-1", "web1"],
    [1, "run-1", "web1"],
  ]);
});

Deno.test("renderMetrics() has run, host and step series; step states as seed 003 counts them", async () => {
  assertEquals([stepState("skipped"), stepState("running"), stepState("changed"), stepState("failed")], [
    0,
    1,
    2,
    3,
  ]);
  const text = await renderMetrics(
    {
      report: fleetReport(),
      app: "flame",
      lastSuccess: new Map([["web2", 1700000000]]),
      endedAt: new Date(1767225600000),
    },
    { app: "flame", command: "install" },
  );
  match(text, /^muster_run_exit_code\{app="flame",command="install"\} 3$/m);
  match(text, /^muster_host_status\{host="web2",status="failed",app="flame",command="install"\} 1$/m);
  match(
    text,
    /^muster_step_state\{host="web2",role="install",step="directories",app="flame",command="install"\} 3$/m,
  );
  match(
    text,
    /^muster_step_state\{host="web2",role="install",step="config",app="flame",command="install"\} 0$/m,
  );
  match(
    text,
    /^muster_host_last_success_timestamp_seconds\{host="web1",app="flame",command="install"\} 1767225600$/m,
  );
  match(
    text,
    /^muster_host_last_success_timestamp_seconds\{host="web2",app="flame",command="install"\} 1700000000$/m,
  );
  match(text, /^muster_run_failures\{category="network",app="flame",command="install"\} 1$/m);
  assertEquals(textfileName("my app", "install"), "muster_my_app_install.prom");
});

Deno.test("writeTextfile() leaves only the finished .prom file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeTextfile(dir, { report: fleetReport(), app: "flame" });
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["muster_flame_install.prom"]);
    match(await Deno.readTextFile(path), /# TYPE muster_run_duration_seconds gauge/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("renderHtml() puts failed hosts first, escapes text, masks secrets and loads nothing", () => {
  assertEquals(failedFirst(fleetReport().hosts).map((h) => h.name), ["web2", "web3", "web1"]);
  assertEquals(escapeHtml(`<a href="x">&'`), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  const page = renderHtml(fleetReport(), { app: "flame" });
  match(page, /Read-only &lt;file&gt; system/);
  ok(!page.includes("hunter2"), "secrets masked");
  ok(!/\b(src|href)="(https?:)?\/\//.test(page), "no network resource");
  match(page, /<div class="lane failed" data-host="web2">/);
});

Deno.test("pushMetrics() PUTs the group job/muster/app/APP/command/COMMAND, and fails on an HTTP error", async () => {
  const seen: string[] = [];
  let status = 200;
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    seen.push(
      `${request.method} ${new URL(request.url).pathname} ${
        (await request.text()).includes("muster_run_exit_code 3")
      }`,
    );
    return new Response(status === 200 ? "" : "bad push", { status });
  });
  const url = `http://127.0.0.1:${server.addr.port}/`;
  await pushMetrics(url, { report: fleetReport(), app: "flame" });
  assertEquals(seen, ["PUT /metrics/job/muster/app/flame/command/install true"]);
  status = 400;
  await rejects(
    () => pushMetrics(url, { report: fleetReport(), app: "flame" }),
    /Pushgateway http:\/\/127\.0\.0\.1:\d+\/: .*status 400/,
  );
});

Deno.test("LiveStepStates follows the run: planned steps pending, started in progress, then completed or failed", async () => {
  const states = new LiveStepStates();
  const plan = [{ role: "user", step: "account", changes: 1 }, {
    role: "install",
    step: "config",
    changes: 1,
  }];
  ok(states.onEvent({ type: "host-plan", host: "web1", steps: plan }));
  ok(states.onEvent({ type: "step-start", host: "web1", index: 0, total: 2, role: "user", step: "account" }));
  const running = await states.render({ app: "flame", command: "install" });
  match(running, /^muster_run_in_progress\{app="flame",command="install"\} 1$/m);
  match(
    running,
    /^muster_step_state\{host="web1",role="user",step="account",app="flame",command="install"\} 1$/m,
  );
  match(
    running,
    /^muster_step_state\{host="web1",role="install",step="config",app="flame",command="install"\} 0$/m,
  );
  ok(
    states.onEvent({
      type: "step-end",
      host: "web1",
      index: 0,
      role: "user",
      step: "account",
      status: "changed",
      durationMs: 3,
    }),
  );
  ok(
    !states.onEvent({
      type: "step-end",
      host: "web1",
      index: 0,
      role: "user",
      step: "account",
      status: "changed",
      durationMs: 3,
    }),
    "no change",
  );
  ok(
    states.onEvent({
      type: "step-end",
      host: "web1",
      index: 1,
      role: "install",
      step: "config",
      status: "failed",
      durationMs: 3,
    }),
  );
  const done = await states.render();
  match(done, /^muster_step_state\{host="web1",role="user",step="account"\} 2$/m);
  match(done, /^muster_step_state\{host="web1",role="install",step="config"\} 3$/m);
});
