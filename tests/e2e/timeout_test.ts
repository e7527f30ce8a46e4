/**
 * `--timeout` end to end on the test fleet: a host whose facts stall (a `stat` that sleeps)
 * and one whose `systemctl daemon-reload` stalls each fail alone with "Timed out after N s"
 * and where they were, install's exit code 3 (not Ctrl-C's 130), nothing half-written; the
 * other host installs. Uninstall (which plans every host before applying) keeps one clock
 * per host from plan to apply, and exits 4.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import { startFleet } from "../fleet/fleet.ts";
import { buildFixture, endpoints } from "./dry_run_support.ts";
import { fixtureCopy, muster } from "./muster.ts";

const PREFIX = "/opt/flame";

/** Replaces a command on a host's PATH (/usr/local/bin comes first, also under sudo) with a script. */
async function shadow(
  host: { sh(s: string): Promise<{ code: number; stderr: string }> },
  name: string,
  script: string,
) {
  const result = await host.sh(
    `real=$(command -v ${name}); [ -e /usr/local/bin/${name}.real ] || cp "$real" /usr/local/bin/${name}.real; ` +
      `printf '%s\\n' '#!/bin/sh' ${
        shellQuote(script)
      } >/usr/local/bin/${name} && chmod 755 /usr/local/bin/${name}`,
  );
  assertEquals(result.code, 0, result.stderr);
}

Deno.test("--timeout on a test fleet", async (t) => {
  await using fixture = await fixtureCopy();
  await buildFixture(fixture.dir);
  await using fleet = await startFleet({
    count: 3,
    names: ["slowfacts", "slowapply", "quick"],
    firstOctet: 201,
  });
  const [slowFacts, slowApply, quick] = fleet.hosts;
  const inventory = await fleet.writeInventory({
    hostVars: endpoints(fleet.hosts),
    vars: { flame_prefix: PREFIX },
  });

  await t.step("a stalled fact and a stalled apply fail their hosts alone, with exit 3", async () => {
    await shadow(slowFacts, "stat", "sleep 600");
    await shadow(
      slowApply,
      "systemctl",
      'case "$1" in daemon-reload) sleep 600;; esac; exec /usr/local/bin/systemctl.real "$@"',
    );
    const started = performance.now();
    const result = await muster(
      ["install", "-i", inventory, "--src-dir", fixture.dir, "--skip-build", "--timeout", "6"],
      { home: fleet.home },
    );
    const elapsed = performance.now() - started;
    assertEquals(result.code, 3, result.stdout + result.stderr);
    const byName = Object.fromEntries(result.report!.hosts.map((host) => [host.name, host]));
    assertEquals(byName.quick.status, "changed");
    assertEquals(byName.slowfacts.status, "failed");
    assertEquals(byName.slowfacts.exitCode, 3);
    assertEquals([byName.slowfacts.category, byName.slowapply.category], ["network", "network"]);
    assertEquals(
      byName.slowfacts.error,
      "Timed out after 6 s on slowfacts while gathering facts (--timeout)",
    );
    assertEquals(byName.slowapply.status, "failed");
    assertEquals(byName.slowapply.exitCode, 3);
    match(
      byName.slowapply.error!,
      /^Timed out after 6 s on slowapply in step systemd\/\S+ \(apply\) \(--timeout\)$/,
    );
    ok(!/Cancelled|Interrupted/.test(result.stdout + result.stderr), result.stdout + result.stderr);
    ok(elapsed < 30_000, `the run ended soon after the timeout (${Math.round(elapsed)} ms)`);
    // Nothing half-written (no temp file of an atomic write, no staging directory: the
    // apply script's EXIT trap ran), and nothing left running.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const left = await slowApply.sh(
      `find ${PREFIX} /etc/systemd/system /tmp /var/tmp -name '*.muster-tmp' -o -name 'muster-stage-*' 2>/dev/null; true`,
    );
    assertEquals(left.stdout.trim(), "");
    const running = await slowApply.sh(
      "ps -eo args | grep -E '^(sleep 600|sh -s|sh .*/\\.muster-apply)' || true",
    );
    assertEquals(running.stdout.trim(), "", "the stalled command and its script were ended");
    assertEquals((await quick.sh(`test -x ${PREFIX}/bin/flmctl; echo $?`)).stdout.trim(), "0");
  });

  await t.step("uninstall keeps one clock per host from plan to apply, and exits 4", async () => {
    // Planning takes 3 s of the 5, then stopping the services stalls.
    await shadow(
      quick,
      "stat",
      '[ -e /tmp/slow-once ] || { touch /tmp/slow-once; sleep 3; }; exec /usr/local/bin/stat.real "$@"',
    );
    await shadow(
      quick,
      "systemctl",
      'case "$1" in stop|disable) sleep 600;; esac; exec /usr/local/bin/systemctl.real "$@"',
    );
    const result = await muster(
      ["uninstall", "-i", inventory, "-l", "quick", "--force", "--timeout", "5"],
      { home: fleet.home },
    );
    assertEquals(result.code, 4, result.stdout + result.stderr);
    const host = result.report!.hosts[0];
    assertEquals([host.status, host.exitCode], ["failed", 4]);
    match(host.error!, /^Timed out after 5 s on quick in step /);
    ok(host.durationMs < 7500, `the clock did not restart after planning (${host.durationMs} ms)`);
    ok(host.durationMs >= 4500, `${host.durationMs} ms`);
    const left = await quick.sh(
      `find ${PREFIX} /tmp /var/tmp -name '*.muster-tmp' -o -name 'muster-stage-*' 2>/dev/null; true`,
    );
    assertEquals(left.stdout.trim(), "");
  });
});

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'"'"'`)}'`;
}
