/**
 * Upgrading the Flow Manager end to end on the test fleet, gated by its `/health` (issue 13):
 * v1 -> v2 one host at a time; a v3 whose service starts unhealthy fails the first host,
 * which goes back to v2 (its virtualenv from the release store) and answers healthy again
 * while the second host is never touched (exit 5); `muster rollback` to v1 relinks the
 * virtualenv from the store.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { startFleet } from "../fleet/fleet.ts";
import type { FleetHost } from "../fleet/host.ts";
import { expectExit, fixtureCopy, muster } from "./muster.ts";

const FIXTURE = fileURLToPath(new URL("../fixtures/flow-manager", import.meta.url));
const PREFIX = "/opt/flow-manager";

/** What `GET /health` answers on a host, read on that host. */
async function health(host: FleetHost): Promise<number> {
  const probe = [
    "import urllib.request, urllib.error",
    "try:",
    `  print(urllib.request.urlopen('http://${host.address}:8000/health', timeout=3).status)`,
    "except urllib.error.HTTPError as e:",
    "  print(e.code)",
    "except Exception:",
    "  print(0)",
  ].join("\n");
  return Number((await host.exec(["python3", "-c", probe])).stdout.trim());
}

async function edit(path: string, from: string | RegExp, to: string): Promise<void> {
  const text = await Deno.readTextFile(path);
  const changed = text.replace(from, to);
  ok(changed !== text, `${path}: ${from}`);
  await Deno.writeTextFile(path, changed);
}

Deno.test("the Flow Manager upgraded and rolled back through its /health on a test fleet", async (t) => {
  await using copy = await fixtureCopy();
  const src = `${copy.dir}/flow-manager`;
  ok((await new Deno.Command("cp", { args: ["-a", FIXTURE, src] }).output()).success);
  await using fleet = await startFleet({ count: 2, firstOctet: 246 });
  const [h1, h2] = fleet.hosts;
  const inventory = await fleet.writeInventory({
    hostVars: Object.fromEntries(fleet.hosts.map((host) => [host.name, { flow_manager_host: host.address }])),
    vars: { flow_manager_enable: true },
  });
  const fm = (command: string, args: string[] = []) =>
    muster([command, "--app", "flow-manager", "-i", inventory, ...args], { home: fleet.home });
  const current = async (): Promise<Record<string, string | undefined>> => {
    const result = await fm("releases", ["--format", "json"]);
    expectExit(result, 0);
    return Object.fromEntries(
      JSON.parse(result.stdout).hosts.map((h: { name: string; releases: { current?: string } }) => [
        h.name,
        h.releases.current,
      ]),
    );
  };
  const main = `${src}/flow_manager/main.py`;
  let v1 = "", v2 = "";

  await t.step("v1, then v2 one host at a time, each healthy", async () => {
    expectExit(await fm("install", ["--src-dir", src]), 0);
    v1 = (await current()).host1!;
    match(v1, /^[0-9a-f]{8}$/);
    await edit(`${src}/flow_manager/__init__.py`, /"""\n/, '"""\n# v2\n');
    const result = await fm("install", ["--src-dir", src, "--serial", "1"]);
    expectExit(result, 0);
    const found = await current();
    v2 = found.host1!;
    ok(v2 !== v1);
    assertEquals(found.host2, v2);
    for (const host of [h1, h2]) assertEquals(await health(host), 200);
  });

  await t.step(
    "an unhealthy v3 fails the first host, which goes back to v2 and is healthy; the second is untouched",
    async () => {
      await edit(main, '"fault": "",', '"fault": "unhealthy",');
      try {
        const result = await fm("install", ["--src-dir", src, "--serial", "1"]);
        expectExit(result, 5);
        const [one, two] = result.report!.hosts;
        assertEquals([one.status, one.exitCode, two.status], ["failed", 5, "skipped"]);
        match(
          one.error!,
          /flow-manager did not answer healthy on http:\/\/127\.0\.0\.246:8000\/health within 5s/,
        );
        match(one.error!, /answered HTTP 503, expected 200: .*"status": "unhealthy"/);
        const warnings = one.steps.flatMap((step) => step.warnings ?? []);
        ok(
          warnings.some((w) =>
            w.includes(`rolled back to release ${v2}: its services restarted and are healthy`)
          ),
          JSON.stringify(warnings),
        );
        assertEquals(await current(), { host1: v2, host2: v2 });
        for (const host of [h1, h2]) assertEquals(await health(host), 200);
      } finally {
        await edit(main, '"fault": "unhealthy",', '"fault": "",');
      }
    },
  );

  await t.step("rollback to v1 relinks the virtualenv from the store and restarts it healthy", async () => {
    const result = await fm("rollback", ["--to", v1]);
    expectExit(result, 0);
    assertEquals(await current(), { host1: v1, host2: v1 });
    for (const host of [h1, h2]) {
      assertEquals(await health(host), 200);
      const inodes = await host.sh(
        `stat -c %i ${PREFIX}/venv/pyvenv.cfg ${PREFIX}/.releases/${v1}/venv/pyvenv.cfg`,
      );
      const [live, kept] = inodes.stdout.trim().split("\n");
      assertEquals(live, kept, host.name);
    }
    const audit = await fm("audit", ["--format", "json"]);
    const outcomes = JSON.parse(audit.stdout).hosts.map((h: { audit: Array<{ outcome: string }> }) =>
      h.audit.map((e) => e.outcome)
    );
    assertEquals(outcomes, [["ok", "ok", "rolled-back", "ok"], ["ok", "ok", "ok"]]);
  });
});
