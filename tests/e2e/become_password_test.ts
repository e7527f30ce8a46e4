/**
 * `ansible_become_password` end to end on the test fleet: a host whose sudo asks for a
 * password (every time: `timestamp_timeout=0`) installs with it; a host with passwordless
 * sudo given the same variable installs too (the password's line is never run as a
 * command); a wrong password fails its host alone. The password never appears in the
 * report, the output, the journal, or any process listing on the controller or the hosts,
 * which are sampled for the whole run.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import { startFleet } from "../fleet/fleet.ts";
import { buildFixture, endpoints } from "./dry_run_support.ts";
import { fixtureCopy, muster } from "./muster.ts";

const PASSWORD = "Pw-7f3a9 x!q'\"$(id)";
const PREFIX = "/opt/flame";

Deno.test("sudo with a password from the inventory on a test fleet", async (t) => {
  await using fixture = await fixtureCopy();
  await buildFixture(fixture.dir);
  await using fleet = await startFleet({ count: 2, names: ["asks", "nopass"], firstOctet: 195 });
  const [asks, nopass] = fleet.hosts;
  // deploy's sudo on "asks" needs deploy's password, asked again for every command.
  const setup = await asks.sh(
    `printf '%s\\n' ${shellQuote(`deploy:${PASSWORD}`)} | chpasswd && ` +
      "printf '%s\\n' 'Defaults:deploy !requiretty, timestamp_timeout=0' 'deploy ALL=(ALL) ALL' " +
      ">/etc/sudoers.d/deploy && chmod 440 /etc/sudoers.d/deploy",
  );
  assertEquals(setup.code, 0, setup.stderr);
  const refused = await asks.sh("su deploy -s /bin/sh -c 'sudo -n true' 2>&1");
  match(refused.stdout, /a password is required/);

  const inventoryWith = (password: string) =>
    fleet.writeInventory({
      hostVars: Object.fromEntries(
        Object.entries(endpoints(fleet.hosts)).map(([name, vars]) => [name, {
          ...vars,
          ansible_become_password: password,
        }]),
      ),
      vars: { flame_prefix: PREFIX },
    });

  /** Every process's command line on the controller and on both hosts, sampled until stopped. */
  const sampleProcesses = () => {
    let running = true;
    const seen: string[] = [];
    const done = (async () => {
      while (running) {
        const controller = await new Deno.Command("ps", { args: ["-eo", "args"], stdout: "piped" }).output();
        seen.push(new TextDecoder().decode(controller.stdout));
        for (const host of fleet.hosts) seen.push((await host.sh("ps -eo args")).stdout);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    return async () => {
      running = false;
      await done;
      return seen;
    };
  };
  const journal = () => Deno.readTextFile(`${fleet.home}/.local/state/muster/journal.jsonl`).catch(() => "");

  await t.step("a host whose sudo asks for a password installs with ansible_become_password", async () => {
    const stop = sampleProcesses();
    const result = await muster(
      ["install", "-i", await inventoryWith(PASSWORD), "--src-dir", fixture.dir, "--skip-build"],
      { home: fleet.home },
    );
    const listings = await stop();
    assertEquals(result.code, 0, result.stdout + result.stderr);
    assertEquals(result.report!.hosts.map((host) => host.status), ["changed", "changed"]);
    const owner = await asks.sh(`stat -c %U ${PREFIX}/bin/flmctl ${PREFIX}/conf/flame-cluster.yaml`);
    assertEquals(owner.stdout, "flame\nflame\n");
    ok(listings.length > 10, `sampled ${listings.length} process listings`);
    ok(listings.some((listing) => listing.includes("sudo -A")), "the run was sampled while sudo ran");
    for (
      const text of [
        result.stdout,
        result.stderr,
        JSON.stringify(result.report),
        await journal(),
        ...listings,
      ]
    ) {
      ok(!text.includes("Pw-7f3a9"), "the password shows nowhere");
    }
    // validate's sudo check answers sudo's question too.
    const validated = await muster(["validate", "-i", await inventoryWith(PASSWORD), "-l", "asks"], {
      home: fleet.home,
    });
    assertEquals(validated.code, 0, validated.stdout + validated.stderr);
    match(validated.stdout, /privileges +/);
    ok(!validated.stdout.includes("Pw-7f3a9"));
    // The password's line went to sudo's askpass, never to a shell as a command.
    const logs = await asks.sh("cat /var/log/sshd.log; cat /var/log/auth.log 2>/dev/null; true");
    ok(!logs.stdout.includes("Pw-7f3a9"));
  });

  await t.step("ansible_password logs in where no key is given", async () => {
    await asks.sh("sed -i 's/^PasswordAuthentication no/PasswordAuthentication yes/' /etc/ssh/sshd_config");
    await asks.stopSshd();
    await asks.startSshd();
    const inventory = `${fleet.dir}/password.yml`;
    await Deno.writeTextFile(
      inventory,
      JSON.stringify({
        all: {
          vars: { flame_prefix: PREFIX },
          hosts: {
            asks: {
              ansible_host: asks.address,
              ansible_user: "deploy",
              ansible_password: PASSWORD,
              ansible_become: true,
              ansible_become_pass: PASSWORD,
              ...endpoints(fleet.hosts).asks,
            },
          },
        },
      }),
    );
    const stop = sampleProcesses();
    const result = await muster(["status", "-i", inventory], {
      home: fleet.home,
      env: { SSH_AUTH_SOCK: "" },
    });
    const listings = await stop();
    assertEquals(result.report?.hosts[0].error, undefined, result.stdout + result.stderr);
    assertEquals(result.code, 0, "in sync after the install");
    match((await asks.sh("cat /var/log/sshd.log")).stdout, /Accepted password for deploy/);
    for (const text of [result.stdout, result.stderr, await journal(), ...listings]) {
      ok(!text.includes("Pw-7f3a9"), "the password shows nowhere");
    }
  });

  await t.step("a wrong password fails its host alone, with sudo's reason", async () => {
    await asks.sh(`rm -rf ${PREFIX}`);
    const result = await muster(
      ["install", "-i", await inventoryWith("not-the-password"), "--src-dir", fixture.dir, "--skip-build"],
      { home: fleet.home },
    );
    const byName = Object.fromEntries(result.report!.hosts.map((host) => [host.name, host]));
    assertEquals(byName.asks.status, "failed");
    match(byName.asks.error!, /Cannot read facts on asks: Sorry, try again/);
    match(byName.asks.hint!, /sudo refused the password: check ansible_become_password/);
    assertEquals(byName.nopass.status, "ok", "the other host is already installed: nothing to change");
    assertEquals(result.code, 3);
    ok(!(await journal()).includes("not-the-password"));
    ok(!JSON.stringify(result.report).includes("not-the-password"));
    assertEquals((await asks.sh(`test -e ${PREFIX}; echo $?`)).stdout.trim(), "1", "nothing was installed");
    assertEquals(nopass.name, "nopass");
  });
});

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'"'"'`)}'`;
}
