/**
 * ProxyJump and ProxyCommand against a real sshd: the server is its own jump host (a
 * `direct-tcpip` channel from one connection carries the other), and OpenSSH's `ssh -W`
 * is the proxy command. The fleet test (tests/e2e/ssh_reach_test.ts) reaches a host that
 * only the jump host can resolve.
 */
import { assert, assertEquals, assertRejects, assertStringIncludes } from "./_assert.ts";
import { join } from "node:path";
import { ConnectionError, InventoryError } from "../../src/engine/errors.ts";
import { connectSsh } from "../../src/transport/ssh.ts";
import { startSshd } from "./sshd.ts";

Deno.test("connectSsh() through ProxyJump and ProxyCommand against a real sshd", async (t) => {
  const sshd = await startSshd();
  const knownHostsFile = join(sshd.dir, "known_hosts");
  const sshConfigFile = join(sshd.dir, "ssh_config");
  await Deno.writeTextFile(
    sshConfigFile,
    `Host jumpy\n  HostName ${sshd.address}\n  Port ${sshd.port}\n  User root\n  IdentityFile ${sshd.clientKey}\n`,
  );
  const args = (value: string) =>
    sshd.connection({ sshArgs: [{ variable: "ansible_ssh_common_args", value }] });
  const connections = () =>
    sshd.log().split("\n").filter((line) => line.startsWith("Accepted publickey")).length;
  try {
    await t.step("ProxyJump to an ssh config alias: two logins, commands and uploads work", async () => {
      const before = connections();
      const host = await connectSsh(args("-o ProxyJump=jumpy"), { knownHostsFile, sshConfigFile });
      try {
        assertEquals((await host.run("echo through")).stdout, "through\n");
        const bytes = crypto.getRandomValues(new Uint8Array(60_000));
        await host.put(bytes, join(sshd.dir, "up.bin"));
        assertEquals(await Deno.readFile(join(sshd.dir, "up.bin")), bytes);
      } finally {
        await host.close();
      }
      assertEquals(connections(), before + 2);
    });

    await t.step("ProxyCommand with %h and %p: OpenSSH's ssh -W carries the connection", async () => {
      const proxy = `ssh -F /dev/null -i ${sshd.clientKey} -o StrictHostKeyChecking=no ` +
        `-o UserKnownHostsFile=/dev/null -q -p ${sshd.port} -W %h:%p root@${sshd.address}`;
      const host = await connectSsh(args(`-o ProxyCommand="${proxy}"`), { knownHostsFile, sshConfigFile });
      try {
        assertEquals((await host.run("echo carried")).stdout, "carried\n");
      } finally {
        await host.close();
      }
      const left = await new Deno.Command("pgrep", { args: ["-f", `-W ${sshd.address}:${sshd.port}`] })
        .output();
      assert(!left.success, "the proxy command is ended with the connection");
    });

    await t.step("a failing ProxyCommand's stderr is in the error", async () => {
      await assertRejects(
        () => connectSsh(args(`-o ProxyCommand="echo no route to %h >&2; exit 3"`), { knownHostsFile }),
        ConnectionError,
        `(ProxyCommand said: no route to ${sshd.address})`,
      );
    });

    await t.step("a jump host that refuses the login names the jump host", async () => {
      await Deno.writeTextFile(
        sshConfigFile,
        `Host jumpy\n  HostName ${sshd.address}\n  Port ${sshd.port}\n  User nobody\n  IdentityFile ${sshd.clientKey}\n`,
      );
      const error = await assertRejects(
        () => connectSsh(args("-o ProxyJump=jumpy"), { knownHostsFile, sshConfigFile }),
        ConnectionError,
        "through jump host jumpy: cannot connect to nobody@",
      );
      assertStringIncludes(error.message, "authentication failed for user nobody");
    });

    await t.step("an unsupported option is an InventoryError, before any connection", async () => {
      const before = sshd.log().length;
      await assertRejects(
        () => connectSsh(args("-o Tunnel=yes"), { knownHostsFile }),
        InventoryError,
        "Tunnel",
      );
      assertEquals(sshd.log().length, before);
    });
  } catch (error) {
    console.error(`sshd log:\n${sshd.log()}`);
    throw error;
  } finally {
    await sshd.stop();
  }
});
