/**
 * Reaching hosts as Ansible reaches them, end to end on the test fleet: a host whose name
 * only a jump host can resolve (the fleet's /etc/hosts lists it inside the hosts, the
 * controller's does not) is reached through `ProxyJump` and through a `ProxyCommand`
 * running OpenSSH's `ssh -W`, proven by the jump host's sshd log of the forwarded
 * connection; `~/.ssh/config` aliases give address, user and key; the jump host's own key is
 * checked; an unsupported option fails its host alone, naming the variable and where it is.
 */
import { deepStrictEqual as assertEquals, match, ok, rejects } from "node:assert/strict";
import { lookup } from "node:dns/promises";
import { startFleet } from "../fleet/fleet.ts";
import { muster } from "./muster.ts";

/** Only the hosts of the fleet know this name. */
const INNER = "muster-inner-b7";

Deno.test("hosts behind a jump host, ssh config and SSH arguments on a test fleet", async (t) => {
  await using fleet = await startFleet({ count: 2, names: ["jump", INNER], firstOctet: 191 });
  const [jump, inner] = fleet.hosts;
  // The jump host's sshd logs forwarded connections (direct-tcpip) at DEBUG1.
  await jump.sh("sed -i '1i LogLevel DEBUG1' /etc/ssh/sshd_config");
  await jump.stopSshd();
  await jump.startSshd();
  await Deno.writeTextFile(
    `${fleet.home}/.ssh/config`,
    [
      "Host jumpbox",
      `  HostName ${jump.address}`,
      "  User deploy",
      `  IdentityFile ${fleet.keyFile}`,
      "",
      "Host *",
      "  ForwardAgent no",
      "",
    ].join("\n"),
  );
  const innerKey = (await inner.sh("cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub")).stdout.trim();
  await Deno.writeTextFile(fleet.knownHostsFile, `${INNER} ${innerKey}\n`, { append: true });

  const inventoryFor = (vars: Record<string, unknown>) =>
    fleet.writeInventory({ hostVars: { [INNER]: { ansible_host: INNER, ...vars } } });
  /** `muster status` (no build, one gather) on the inner host: exit 2 means it was reached and planned. */
  const status = async (inventory: string, limit = INNER) =>
    await muster(["status", "-i", inventory, "-l", limit, "--format", "json"], { home: fleet.home });
  const forwarded = async () => (await jump.sh("cat /var/log/sshd.log")).stdout;
  const accepted = async () =>
    (await inner.sh("grep -c 'Accepted publickey for deploy' /var/log/sshd.log || true")).stdout.trim();

  await t.step("the controller cannot reach the inner host by itself", async () => {
    await rejects(lookup(INNER));
    const result = await status(await inventoryFor({}));
    assertEquals(result.report?.hosts[0].status, "unreachable", result.stdout + result.stderr);
    match(result.report!.hosts[0].error!, /host name not found/);
  });

  await t.step("ProxyJump through an ssh config alias reaches it via the jump host's sshd", async () => {
    const before = await accepted();
    const result = await status(
      await inventoryFor({ ansible_ssh_common_args: "-o ProxyJump=jumpbox -o StrictHostKeyChecking=yes" }),
    );
    assertEquals(result.report?.hosts[0].status, "changed", result.stdout + result.stderr);
    assertEquals(result.code, 2);
    match(await forwarded(), new RegExp(`direct-tcpip.*target ${INNER} port 22|target ${INNER} port 22`));
    assertEquals(Number(await accepted()), Number(before) + 1);
  });

  await t.step("validate does not ask the controller to resolve a host behind a jump host", async () => {
    const inventory = await inventoryFor({ ansible_ssh_common_args: "-o ProxyJump=jumpbox" });
    const result = await muster(["validate", "-i", inventory, "-l", INNER], { home: fleet.home });
    assertEquals(result.code, 0, result.stdout + result.stderr);
    match(result.stdout, new RegExp(`resolve +${INNER} is reached through jump host jumpbox`));
    match(result.stdout, new RegExp(`ssh +logged in as deploy on ${INNER}:22`));
  });

  await t.step("ProxyCommand runs OpenSSH's ssh -W with %h and %p expanded", async () => {
    const logBefore = (await forwarded()).split("\n").length;
    const proxy = `ssh -F /dev/null -i ${fleet.keyFile} -o UserKnownHostsFile=${fleet.knownHostsFile} ` +
      `-o StrictHostKeyChecking=yes -W %h:%p -q deploy@${jump.address}`;
    const result = await status(
      await inventoryFor({ ansible_ssh_common_args: `-o ProxyCommand="${proxy}"` }),
    );
    assertEquals(result.report?.hosts[0].status, "changed", result.stdout + result.stderr);
    const newLines = (await forwarded()).split("\n").slice(logBefore - 1).join("\n");
    match(newLines, new RegExp(`target ${INNER} port 22`));
  });

  await t.step("an ssh config alias gives the address, user and key of a host", async () => {
    const inventory = `${fleet.dir}/alias.yml`;
    await Deno.writeTextFile(
      inventory,
      "all:\n  hosts:\n    viaalias:\n      ansible_host: jumpbox\n      ansible_become: true\n",
    );
    const result = await status(inventory, "viaalias");
    assertEquals(result.report?.hosts[0].error, undefined, result.stdout + result.stderr);
    assertEquals(result.report?.hosts[0].status, "changed");
  });

  await t.step("an unsupported option fails its host alone, naming the variable and its place", async () => {
    const inventory = `${fleet.dir}/bad.yml`;
    await Deno.writeTextFile(
      inventory,
      [
        "all:",
        "  hosts:",
        "    jump:",
        `      ansible_host: ${jump.address}`,
        "      ansible_user: deploy",
        `      ansible_ssh_private_key_file: ${fleet.keyFile}`,
        "      ansible_become: true",
        `    ${INNER}:`,
        "      ansible_ssh_common_args: -o ProxyJump=jumpbox -o ForwardX11=yes",
        "",
      ].join("\n"),
    );
    const result = await status(inventory, "all");
    const byName = Object.fromEntries(result.report!.hosts.map((host) => [host.name, host]));
    assertEquals(byName.jump.status, "changed", result.stdout);
    assertEquals(byName[INNER].status, "failed");
    assertEquals(
      byName[INNER].error,
      `${inventory}:9:7: ansible_ssh_common_args: unsupported SSH option ForwardX11 (in -o "ForwardX11=yes")`,
    );
  });

  await t.step(
    "ansible.cfg gives the inventory, user, key, become and ssh_args; the inventory wins",
    async () => {
      const project = `${fleet.dir}/project`;
      await Deno.mkdir(project);
      await Deno.writeTextFile(
        `${project}/ansible.cfg`,
        [
          "[defaults]",
          "inventory = inv.yml ; relative to this file",
          "remote_user = deploy",
          `private_key_file = ${fleet.keyFile}`,
          "forks = 1",
          "[ssh_connection]",
          "ssh_args = -o ProxyJump=jumpbox",
          "[privilege_escalation]",
          "become = True",
          "become_user = nobody",
          "",
        ].join("\n"),
      );
      // Only the address, and become_user root: the inventory's variable wins over become_user = nobody.
      await Deno.writeTextFile(
        `${project}/inv.yml`,
        `all:\n  hosts:\n    ${INNER}:\n      ansible_host: ${INNER}\n      ansible_become_user: root\n`,
      );
      const env = { ANSIBLE_CONFIG: `${project}/ansible.cfg` };
      const result = await muster(["status", "--format", "json"], { home: fleet.home, env });
      assertEquals(result.report?.hosts.map((host) => [host.name, host.status, host.error]), [
        [INNER, "changed", undefined],
      ], result.stdout + result.stderr);
      const validated = await muster(["validate", "-v"], { home: fleet.home, env });
      match(validated.stdout, new RegExp(`^ansible\\.cfg: ${project}/ansible\\.cfg$`, "m"));
      match(validated.stdout, new RegExp(`ssh +logged in as deploy on ${INNER}:22`));
    },
  );

  await t.step("a jump host whose key changed refuses the host behind it", async () => {
    await jump.rotateHostKey();
    const result = await status(await inventoryFor({ ansible_ssh_common_args: "-o ProxyJump=jumpbox" }));
    const host = result.report!.hosts[0];
    assertEquals(host.status, "unreachable");
    match(
      host.error!,
      new RegExp(`Cannot connect to deploy@${INNER}:22: through jump host jumpbox: .*host key changed`),
    );
    ok(host.error!.includes(jump.address), host.error);
  });
});
