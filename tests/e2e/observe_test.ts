/**
 * Watching a run on a 3-host test fleet with one failing host: the `--events` stream
 * (checked by its zod schema), real step timings, categories, Prometheus metrics (a real
 * Pushgateway scraped back over HTTP, the textfile checked by `promtool`), the HTML report in
 * headless Chromium (screenshot kept), `muster report --open-last`, and `--verbose`.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import type { RunReport } from "../../src/engine/result.ts";
import { runEventSchema, type StreamEvent } from "../../src/report/event_schema.ts";
import { startFleet } from "../fleet/fleet.ts";
import { expectExit, fixtureCopy, MOD, muster, musterEnv } from "./muster.ts";

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Debian's prometheus-pushgateway on a free port of 127.0.0.1, until disposed. */
async function startPushgateway(): Promise<{ url: string; [Symbol.asyncDispose](): Promise<void> }> {
  const port = freePort();
  const child = new Deno.Command("prometheus-pushgateway", {
    args: [`--web.listen-address=127.0.0.1:${port}`],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`${url}/-/ready`).then((r) => r.body?.cancel().then(() => r.ok), () => false);
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    [Symbol.asyncDispose]: async () => {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

/** The value of the one series of `name` whose labels include `labels`, from a text exposition. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    const [series, value] = [line.slice(0, line.lastIndexOf(" ")), line.slice(line.lastIndexOf(" ") + 1)];
    if (Object.entries(labels).every(([key, want]) => series.includes(`${key}="${want}"`))) {
      return Number(value);
    }
  }
  return undefined;
}

Deno.test("watching a fleet run: events, timings, categories, metrics and the HTML report", async (t) => {
  await using fixture = await fixtureCopy();
  await using gateway = await startPushgateway();
  await using fleet = await startFleet({ count: 3, firstOctet: 221 });
  const [, , h3] = fleet.hosts;
  await h3.sh("mkdir -p /mnt/ro && mount -t tmpfs -o ro tmpfs /mnt/ro");
  const inventory = await fleet.writeInventory({ hostVars: { host3: { flame_prefix: "/mnt/ro/flame" } } });
  const out = await Deno.makeTempDir({ prefix: "muster-observe-" });
  // Kept after the test: the screenshot a person looks at.
  const artifacts = await Deno.makeTempDir({ prefix: "muster-observe-artifacts-" });
  const textfiles = `${out}/textfile`;
  const html = `${out}/report.html`;

  let report: RunReport;
  let events: StreamEvent[] = [];
  let stderr = "";
  await t.step("--events - streams valid events on stdout; the text goes to stderr", async () => {
    const result = await muster([
      "install",
      "-i",
      inventory,
      "--src-dir",
      fixture.dir,
      "--no-systemd",
      "--events",
      "-",
      "--metrics-textfile",
      textfiles,
      "--metrics-push",
      gateway.url,
      "--html",
      html,
      "--verbose",
    ], { home: fleet.home });
    expectExit(result, 3);
    report = result.report!;
    stderr = result.stderr;
    events = result.stdout.split("\n").filter(Boolean).map((line) => runEventSchema.parse(JSON.parse(line)));
    match(result.stderr, /RECAP \(install\)/);
    assertEquals(events[0].type, "run.started");
    assertEquals(events.at(-1)!.type, "run.finished");
    ok(events.every((event) => event.run === report.runId), "one run id");
    for (const host of fleet.hosts) {
      const mine = events.filter((event) => event.host === host.name).map((event) => event.type);
      assertEquals(mine[0], "host.started", host.name);
      assertEquals(mine.at(-1), "host.finished", host.name);
      ok(mine.includes("host.phase"), host.name);
      ok(mine.indexOf("host.planned") > 0, `${host.name}: planned after it started`);
    }
    const finished = events.find((event) => event.type === "host.finished" && event.host === "host3");
    ok(finished?.type === "host.finished");
    assertEquals([finished.status, finished.exitCode, finished.category], ["failed", 3, "install"]);
    match(finished.error!, /Read-only file system/);
    const end = events.at(-1)!;
    ok(end.type === "run.finished");
    assertEquals(end.summary, report.summary);
    ok(events.some((event) => event.type === "build.finished"));
  });

  await t.step(
    "steps are timed on the host: events and report agree, and they fit in the host's time",
    () => {
      const host1 = report.hosts.find((host) => host.name === "host1")!;
      const ran = host1.steps.filter((step) => step.status === "changed");
      ok(ran.length >= 4, JSON.stringify(host1.steps));
      for (const step of ran) {
        const event = events.find((e) =>
          e.type === "step.finished" && e.host === "host1" && e.role === step.role && e.step === step.step
        );
        ok(event?.type === "step.finished", `${step.role}/${step.step}`);
        // The live event ends a step when the next starts; the report adds its verification.
        ok(event.durationMs <= step.durationMs + 1, `${step.step}: ${event.durationMs} > ${step.durationMs}`);
      }
      const total = ran.reduce((sum, step) => sum + step.durationMs, 0);
      ok(total > 0 && total <= host1.durationMs, `${total} of ${host1.durationMs}`);
      // Planning a step takes well under a millisecond; moving 9 binaries into place takes more.
      ok(host1.steps.find((step) => step.step === "binaries")!.durationMs >= 5, JSON.stringify(host1.steps));
      const apply = host1.phases!.filter((phase) => phase.phase === "apply" || phase.phase === "verify")
        .reduce((sum, phase) => sum + phase.durationMs, 0);
      ok(total <= apply + 1, `steps ${total} ms within apply and verify ${apply} ms`);
      assertEquals(host1.phases!.map((phase) => phase.phase), [
        "connect",
        "facts",
        "plan",
        "apply",
        "verify",
      ]);
      // The recap's slowest steps are the report's.
      const slowest =
        report.hosts.flatMap((host) =>
          host.steps.filter((step) => step.status === "changed" || step.status === "failed")
            .map((step) => ({ host: host.name, ...step }))
        ).sort((a, b) => b.durationMs - a.durationMs)[0];
      match(stderr, new RegExp(`slowest steps: ${slowest.host} ${slowest.role}/${slowest.step} \\d`));
      const host3 = report.hosts.find((host) => host.name === "host3")!;
      assertEquals([host3.status, host3.category], ["failed", "install"]);
      const failed = host3.steps.find((step) => step.status === "failed")!;
      assertEquals([failed.step, failed.category], ["directories", "install"]);
      match(stderr, /host3[\s\S]*error \(install\): .*Read-only file system/);
    },
  );

  await t.step("--verbose streams each host's apply output, prefixed with its name", () => {
    // The roles' commands are quiet when they work: what a failing one says is the output.
    match(stderr, /^\[host3\] mkdir: cannot create directory '\/mnt\/ro\/flame': Read-only file system$/m);
    ok(!/@@muster-/.test(stderr), "no markers");
  });

  await t.step("the textfile passes promtool and holds states, outcomes and categories", async () => {
    const path = `${textfiles}/muster_flame_install.prom`;
    const text = await Deno.readTextFile(path);
    const check = await new Deno.Command("promtool", {
      args: ["check", "metrics"],
      stdin: "piped",
      stderr: "piped",
      stdout: "piped",
    })
      .spawn();
    const writer = check.stdin.getWriter();
    await writer.write(new TextEncoder().encode(text));
    await writer.close();
    const checked = await check.output();
    assertEquals(
      checked.code,
      0,
      new TextDecoder().decode(checked.stderr) + new TextDecoder().decode(checked.stdout),
    );
    const labels = { app: "flame", command: "install" };
    assertEquals(sample(text, "muster_run_exit_code", labels), 3);
    assertEquals(sample(text, "muster_run_success", labels), 0);
    assertEquals(sample(text, "muster_host_status", { ...labels, host: "host3", status: "failed" }), 1);
    assertEquals(sample(text, "muster_host_exit_code", { host: "host3" }), 3);
    assertEquals(sample(text, "muster_step_state", { host: "host3", step: "directories" }), 3);
    assertEquals(sample(text, "muster_step_state", { host: "host3", step: "binaries" }), 0);
    assertEquals(sample(text, "muster_step_state", { host: "host1", step: "binaries" }), 2);
    assertEquals(sample(text, "muster_run_failures", { category: "install" }), 1);
    assertEquals(sample(text, "muster_run_failures", { category: "network" }), 0);
    ok(sample(text, "muster_host_last_success_timestamp_seconds", { host: "host1" })! > 1.7e9);
    assertEquals(sample(text, "muster_host_last_success_timestamp_seconds", { host: "host3" }), undefined);
    ok(sample(text, "muster_host_duration_seconds", { host: "host1" })! > 0);
    assertEquals([...Deno.readDirSync(textfiles)].map((entry) => entry.name), ["muster_flame_install.prom"]);
  });

  await t.step("the Pushgateway holds the run under job muster, grouped by app and command", async () => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    const group = { job: "muster", app: "flame", command: "install" };
    assertEquals(sample(text, "muster_run_exit_code", group), 3);
    assertEquals(sample(text, "muster_host_status", { ...group, host: "host3", status: "failed" }), 1);
    assertEquals(sample(text, "muster_step_state", { ...group, host: "host3", step: "directories" }), 3);
    assertEquals(sample(text, "muster_run_failures", { ...group, category: "install" }), 1);
  });

  await t.step(
    "the HTML report in headless Chromium shows every host, the failure and the timeline",
    async () => {
      const dom = await new Deno.Command("chromium", {
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", `file://${html}`],
        stdout: "piped",
        stderr: "null",
      }).output();
      const page = new TextDecoder().decode(dom.stdout);
      match(page, /data-ready="1"/, "its script ran");
      for (const host of fleet.hosts) {
        match(page, new RegExp(`<tr class="host \\w+" data-host="${host.name}">`), host.name);
        match(
          page,
          new RegExp(`<div class="lane \\w+" data-host="${host.name}">`),
          `${host.name} in the timeline`,
        );
      }
      // Failed first, with its category and error.
      match(
        page,
        /<tbody>\s*<tr class="host failed" data-host="host3">.*<td class="category">install<\/td><td class="first-error">[^<]*Read-only file system/,
      );
      match(page, /<span class="phase apply"/);
      ok(!/https?:\/\/(?!127\.0\.0\.)/.test(page.replace(/<pre[\s\S]*?<\/pre>/g, "")), "no network resource");
      // Sorting runs in the browser: by duration, longest first, through the link's #sort=.
      const sorted = await new Deno.Command("chromium", {
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--dump-dom",
          `file://${html}#sort=duration-desc`,
        ],
        stdout: "piped",
        stderr: "null",
      }).output();
      const rows = [
        ...new TextDecoder().decode(sorted.stdout).matchAll(/<tr class="host \w+" data-host="(\w+)">/g),
      ]
        .map((m) => m[1]);
      const longestFirst = [...report.hosts].sort((a, b) => b.durationMs - a.durationMs).map((h) => h.name);
      assertEquals(rows, longestFirst);
      const shot = `${artifacts}/report.png`;
      const taken = await new Deno.Command("chromium", {
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          `--screenshot=${shot}`,
          "--window-size=1200,1500",
          `file://${html}`,
        ],
        stdout: "null",
        stderr: "null",
      }).output();
      assertEquals(taken.code, 0);
      ok((await Deno.stat(shot)).size > 10_000);
      console.log(`HTML report screenshot: ${shot}`);
    },
  );

  await t.step("a report is kept beside the journal, and muster report --open-last prints it", async () => {
    const child = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", MOD, "report", "--open-last"],
      env: musterEnv(fleet.home),
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(child.code, 0, new TextDecoder().decode(child.stderr));
    const path = new TextDecoder().decode(child.stdout).trim();
    match(
      path,
      new RegExp(
        `^${fleet.home}/\\.local/state/muster/reports/.*-install-${report.runId!.slice(0, 8)}\\.html$`,
      ),
    );
    assertEquals(await Deno.readTextFile(path), await Deno.readTextFile(html));
  });

  await t.step("--events FILE on a run that fails before any host: the error and its category", async () => {
    const file = `${out}/bad.jsonl`;
    const result = await muster(["install", "-i", `${out}/missing.yml`, "--events", file], {
      home: fleet.home,
    });
    expectExit(result, 1);
    const lines = (await Deno.readTextFile(file)).split("\n").filter(Boolean)
      .map((line) => runEventSchema.parse(JSON.parse(line)));
    const end = lines.at(-1)!;
    ok(end.type === "run.finished");
    assertEquals(end.error?.category, "validation");
    assertEquals(result.report?.error?.category, "validation");
  });

  await h3.sh("umount /mnt/ro");
  await Deno.remove(out, { recursive: true });
});
