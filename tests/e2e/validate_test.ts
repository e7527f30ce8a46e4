/**
 * `muster validate` end to end on the test fleet: a good host passes every check; an
 * unreachable host, a host without passwordless sudo, a bad variable and a name that does
 * not resolve each fail with their reason; a syntax error names file, line and column.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import type { ValidateReport } from "../../src/commands/validate.ts";
import { startFleet } from "../fleet/fleet.ts";
import { expectExit, muster } from "./muster.ts";

type Checks = Record<string, string>;

/** Each host's checks as `name: status`. */
function table(report: ValidateReport): Record<string, Checks> {
  return Object.fromEntries(report.hosts.map((host) => [
    host.name,
    Object.fromEntries(host.steps.map((check) => [check.step, check.status])),
  ]));
}

function detail(report: ValidateReport, host: string, check: string): string {
  return report.hosts.find((h) => h.name === host)!.steps.find((c) => c.step === check)!.detail;
}

Deno.test("validate end to end on a test fleet", async (t) => {
  await using fleet = await startFleet({ count: 5, firstOctet: 71 });
  const [, h2, h3] = fleet.hosts;
  const inventory = await fleet.writeInventory({
    hostVars: {
      host4: { flame_profiles: ["control-plane", "wroker"] },
      host5: { ansible_host: "host5.invalid" },
    },
  });
  await h2.stopSshd();
  // host3: sudo asks for a password.
  await h3.sh("printf 'deploy ALL=(ALL) ALL\\n' > /etc/sudoers.d/deploy");
  const validate = (args: string[]) => muster(["validate", "-i", inventory, ...args], { home: fleet.home });

  await t.step("each broken host fails with its reason, the good one passes: exit 1", async () => {
    const result = await validate(["--format", "json"]);
    expectExit(result, 1);
    const report = JSON.parse(result.stdout) as ValidateReport;
    const pass = {
      inventory: "ok",
      resolve: "ok",
      ssh: "ok",
      privileges: "ok",
      commands: "ok",
      prefix: "ok",
    };
    assertEquals(table(report), {
      host1: pass,
      host2: { ...pass, ssh: "failed", privileges: "skipped", commands: "skipped", prefix: "skipped" },
      host3: { ...pass, privileges: "failed", commands: "skipped", prefix: "skipped" },
      host4: {
        inventory: "failed",
        resolve: "skipped",
        ssh: "skipped",
        privileges: "skipped",
        commands: "skipped",
        prefix: "skipped",
      },
      host5: {
        ...pass,
        resolve: "failed",
        ssh: "skipped",
        privileges: "skipped",
        commands: "skipped",
        prefix: "skipped",
      },
    });
    assertEquals(report.hosts.map((host) => host.exitCode), [0, 1, 1, 1, 1]);
    assertEquals(report.hosts.map((host) => host.category), [
      undefined,
      "network",
      "auth",
      "validation",
      "network",
    ]);
    match(
      detail(report, "host2", "ssh"),
      /Cannot connect to deploy@127\.0\.0\.72:22: .*(refused|ECONNREFUSED)/i,
    );
    match(detail(report, "host3", "privileges"), /sudo -n true as root failed for deploy: sudo: .*password/);
    match(
      detail(report, "host4", "inventory"),
      /inventory-1\.yml:\d+:\d+: Invalid flame_profiles for host 'host4': expected a non-empty list/,
    );
    match(
      detail(report, "host5", "resolve"),
      /Cannot resolve ansible_host 'host5\.invalid': no such host name/,
    );
    match(
      detail(report, "host1", "commands"),
      /found sh, .*useradd, groupadd, python3 \(pip\), runuser, systemctl/,
    );
    match(detail(report, "host1", "prefix"), /\/usr\/local\/flame can be created in \/usr\/local/);
  });

  await t.step("the text view is a table per host with what passed and what failed and why", async () => {
    const result = await validate([]);
    expectExit(result, 1);
    match(result.stdout, /^host1 \(127\.0\.0\.71\): valid$/m);
    match(result.stdout, /^ {2}ok {4}privileges {2}sudo -n works: commands run as root$/m);
    match(result.stdout, /^host3 \(127\.0\.0\.73\): invalid$/m);
    match(result.stdout, /^ {2}FAIL {2}privileges {2}sudo -n true as root failed for deploy/m);
    match(result.stdout, /^ {2}skip {2}commands {4}not checked: sudo failed$/m);
    match(result.stdout, /Validate: 5 hosts: 1 valid, 4 invalid; exit 1/);
  });

  await t.step("a valid selection exits 0", async () => {
    expectExit(await validate(["-l", "host1"]), 0);
  });

  await t.step("systemd without become needs root; --no-systemd does not", async () => {
    const result = await validate(["-l", "host1", "-e", "ansible_become=false", "--format", "json"]);
    expectExit(result, 1);
    assertEquals(JSON.parse(result.stdout).hosts[0].category, "auth");
    match(
      detail(JSON.parse(result.stdout), "host1", "privileges"),
      /systemd units need root, but commands run as deploy/,
    );
    const plain = await validate([
      "-l",
      "host1",
      "-e",
      "ansible_become=false",
      "--no-systemd",
      "--prefix",
      "/home/deploy/flame",
      "--format",
      "json",
    ]);
    expectExit(plain, 0);
    ok(detail(JSON.parse(plain.stdout), "host1", "commands").includes("python3 (pip)"));
  });

  await t.step("an inventory with a syntax error names file, line and column: exit 1", async () => {
    const bad = `${fleet.dir}/bad.yml`;
    await Deno.writeTextFile(bad, "all:\n  hosts:\n    host1: {ansible_host: [\n");
    const result = await muster(["validate", "-i", bad], { home: fleet.home });
    expectExit(result, 1);
    assertEquals(result.report!.error!.category, "validation");
    match(result.stderr, /bad\.yml:\d+:\d+: /);
  });
});
