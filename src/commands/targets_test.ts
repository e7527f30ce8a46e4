import { deepStrictEqual as assertEquals, match } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { RunEvent } from "../engine/events.ts";
import { install } from "./install.ts";
import { loadTargets } from "./targets.ts";

const FIXTURE = fileURLToPath(new URL("../../tests/fixtures/flame", import.meta.url));

async function inventoryFile(text: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "muster-targets-" });
  await Deno.writeTextFile(`${dir}/hosts.ini`, text);
  return `${dir}/hosts.ini`;
}

Deno.test("loadTargets() selects no host from groups without hosts, and says so instead of failing", async () => {
  const file = await inventoryFile("[etcd]\n\n[kube_control_plane:children]\netcd\n");
  const events: RunEvent[] = [];
  const { targets } = await loadTargets({ inventory: [file], emit: (event) => events.push(event) });
  assertEquals(targets, []);
  match(JSON.stringify(events), /No hosts matched: the inventory has no hosts; nothing to do/);
  const report = await install({ inventory: [file], srcDir: FIXTURE, dryRun: true });
  assertEquals([report.exitCode, report.hosts.length], [0, 0]);
});

Deno.test("a host whose connection variables cannot be used fails alone, naming the variable where it was set", async () => {
  const dir = await Deno.makeTempDir({ prefix: "muster-targets-" });
  const file = await inventoryFile(
    `here ansible_connection=local flame_prefix=${dir}/flame flame_systemd=false\n` +
      "box ansible_connection=docker\n",
  );
  const report = await install({ inventory: [file], srcDir: FIXTURE, dryRun: true });
  const [here, box] = report.hosts;
  assertEquals([here.name, here.status], ["here", "changed"]);
  assertEquals([box.name, box.status, box.exitCode], ["box", "failed", 1]);
  match(box.error!, /hosts\.ini:2:5: Invalid ansible_connection for host 'box'.*"docker"/);
});

Deno.test("Jinja2 in inventory variables is evaluated where muster uses it: connection, app variables, templates", async () => {
  const dir = await Deno.makeTempDir({ prefix: "muster-targets-" });
  const file = await inventoryFile(
    "[workers]\n" +
      `here ansible_connection="{{ conn }}" conn=local base=${dir} flame_prefix="{{ base }}/flame" ` +
      `flame_systemd=false flame_cluster_name="{{ 'Prod' | lower }}-{{ groups['workers'] | length }}"\n\n` +
      "[workers:vars]\nflame_profiles=\"['worker']\"\nunused=\"{{ lookup('pipe', 'false') }}\"\n",
  );
  const report = await install({ inventory: [file], srcDir: FIXTURE, dryRun: true });
  const [here] = report.hosts;
  assertEquals([here.status, here.installed?.prefix, here.installed?.profiles], ["changed", `${dir}/flame`, [
    "worker",
  ]]);
  const config = here.steps.find((step) => step.step === "config")!.changes[0].diff!;
  match(config, /^\+ {2}name: "prod-1"$/m);
});
