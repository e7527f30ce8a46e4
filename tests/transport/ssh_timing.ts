/**
 * Measures the SSH transport against a throwaway local sshd (as root, so every command
 * pays for root's login shell start-up): connect, a `true` round trip, an 8.8 MB put.
 * Prints the same with the OpenSSH client (a ControlMaster connection) for comparison.
 *
 *   deno run -A tests/transport/ssh_timing.ts
 */

import { join } from "node:path";
import { connectSsh } from "../../src/transport/ssh.ts";
import { startSshd } from "./sshd.ts";

const ROUNDS = 10;

async function timed(fn: () => Promise<unknown>, rounds = 1): Promise<string> {
  const started = performance.now();
  for (let i = 0; i < rounds; i++) await fn();
  return `${((performance.now() - started) / rounds).toFixed(0)} ms`;
}

function openssh(args: string): Promise<unknown> {
  return new Deno.Command("sh", { args: ["-c", args], stdout: "null", stderr: "null" }).output();
}

const sshd = await startSshd();
try {
  const knownHosts = join(sshd.dir, "known_hosts");
  const file = join(sshd.dir, "payload.bin");
  const bytes = new Uint8Array(8.8 * 1024 * 1024);
  for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
  await Deno.writeFile(file, bytes);
  await (await connectSsh(sshd.connection(), { knownHostsFile: knownHosts })).close();

  console.log("muster (node-ssh under Deno)");
  console.log(
    "  connect:",
    await timed(async () => {
      await (await connectSsh(sshd.connection(), { knownHostsFile: knownHosts })).close();
    }, 5),
  );
  const host = await connectSsh(sshd.connection(), { knownHostsFile: knownHosts });
  await host.run("true");
  console.log("  run true:", await timed(() => host.run("true"), ROUNDS));
  console.log("  put 8.8 MB:", await timed(() => host.put(file, join(sshd.dir, "out", "a.bin")), 3));
  console.log("  get 8.8 MB:", await timed(() => host.get(join(sshd.dir, "out", "a.bin")), 3));
  await host.close();

  const ctl = join(sshd.dir, "ctl");
  const ssh = `ssh -i ${sshd.clientKey} -o UserKnownHostsFile=${knownHosts} -o BatchMode=yes ` +
    `-o ControlPath=${ctl} -p ${sshd.port} root@${sshd.address}`;
  console.log("OpenSSH client");
  console.log("  connect + true:", await timed(() => openssh(`${ssh} -o ControlMaster=no true`), 5));
  await openssh(`${ssh} -o ControlMaster=yes -o ControlPersist=60 -N -f`);
  console.log("  run true (multiplexed):", await timed(() => openssh(`${ssh} true`), ROUNDS));
  console.log(
    "  cat > file 8.8 MB (multiplexed):",
    await timed(() => openssh(`${ssh} 'cat > ${sshd.dir}/b.bin' < ${file}`), 3),
  );
  await openssh(`${ssh} -O exit`);
  const bashrc = await timed(() => openssh("bash -c '. ~/.bashrc; true'"), 5);
  console.log(`root's ~/.bashrc alone (run by every SSH command as root): ${bashrc}`);
} finally {
  await sshd.stop();
}
