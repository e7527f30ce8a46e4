/**
 * A real OpenSSH server for transport tests: host and client keys made with
 * `ssh-keygen` in a temp dir, a minimal `sshd_config`, `/usr/sbin/sshd -D -e` on
 * 127.0.0.2 and a free port. Root may log in with the client key.
 */

import { join } from "node:path";
import type { Connection } from "../../src/transport/transport.ts";

/** A running test sshd. */
export interface TestSshd {
  readonly address: string;
  readonly port: number;
  /** Temp dir holding keys, config and anything a test writes. */
  readonly dir: string;
  /** Private key authorized to log in as root. */
  readonly clientKey: string;
  /** A connection to this server as root with `clientKey`. */
  connection(overrides?: Partial<Connection>): Connection;
  /** Replaces the server's host key with a new one and restarts the server on the same port. */
  regenerateHostKey(): Promise<void>;
  /** What sshd wrote to stderr so far. */
  log(): string;
  /** Stops the server and removes the temp dir. */
  stop(): Promise<void>;
}

const ADDRESS = "127.0.0.2";

/** Runs `ssh-keygen` to make an unencrypted ed25519 key pair (or one with `passphrase`). */
export async function makeKey(file: string, passphrase = ""): Promise<void> {
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-C", "muster-test", "-f", file]);
}

/** Starts sshd; call `stop()` in a `finally`. */
export async function startSshd(): Promise<TestSshd> {
  const dir = await Deno.makeTempDir({ prefix: "muster-sshd-" });
  const hostKey = join(dir, "host_ed25519");
  const clientKey = join(dir, "client_ed25519");
  await makeKey(hostKey);
  await makeKey(clientKey);
  await Deno.copyFile(`${clientKey}.pub`, join(dir, "authorized_keys"));
  // sshd refuses to start without its privilege separation directory.
  await Deno.mkdir("/run/sshd", { recursive: true, mode: 0o755 });

  let server: Server | undefined;
  let port = 0;
  for (let attempt = 0; attempt < 10 && !server; attempt++) {
    port = freePort();
    await Deno.writeTextFile(join(dir, "sshd_config"), sshdConfig(dir, port, hostKey));
    server = await Server.start(join(dir, "sshd_config"));
  }
  if (!server) throw new Error("Cannot start sshd: no free port found");
  let current = server;
  let logs = "";

  return {
    address: ADDRESS,
    port,
    dir,
    clientKey,
    connection: (overrides = {}) => ({
      name: "test",
      kind: "ssh",
      address: ADDRESS,
      port,
      user: "root",
      privateKeyFile: clientKey,
      become: false,
      becomeUser: "root",
      ...overrides,
    }),
    async regenerateHostKey() {
      logs += await current.stop();
      await Deno.remove(hostKey);
      await Deno.remove(`${hostKey}.pub`);
      await makeKey(hostKey);
      const restarted = await Server.start(join(dir, "sshd_config"));
      if (!restarted) throw new Error(`Cannot restart sshd on port ${port}`);
      current = restarted;
    },
    log: () => logs + current.log(),
    async stop() {
      await current.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function sshdConfig(dir: string, port: number, hostKey: string): string {
  return [
    `ListenAddress ${ADDRESS}`,
    `Port ${port}`,
    `HostKey ${hostKey}`,
    `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
    `PidFile ${join(dir, "sshd.pid")}`,
    "UsePAM no",
    "StrictModes no",
    "PermitRootLogin yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "MaxStartups 100",
    "",
  ].join("\n");
}

class Server {
  #stderr = "";
  readonly #child: Deno.ChildProcess;
  readonly #drained: Promise<void>;

  private constructor(config: string) {
    const child = new Deno.Command("/usr/sbin/sshd", {
      args: ["-D", "-e", "-f", config],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#drained = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stderr) this.#stderr += decoder.decode(chunk, { stream: true });
    })();
  }

  /** Starts sshd and waits until it listens; undefined if it exited (port taken). */
  static async start(config: string): Promise<Server | undefined> {
    const server = new Server(config);
    let exited = false;
    server.#child.status.then(() => exited = true);
    for (let i = 0; i < 200; i++) {
      if (server.#stderr.includes("Server listening on")) return server;
      if (exited) {
        await server.#drained;
        return undefined;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await server.stop();
    throw new Error(`sshd did not start: ${server.#stderr}`);
  }

  log(): string {
    return this.#stderr;
  }

  async stop(): Promise<string> {
    try {
      this.#child.kill("SIGTERM");
    } catch (error) {
      if (!(error instanceof TypeError)) throw error; // already exited
    }
    await this.#child.status;
    await this.#drained;
    return this.#stderr;
  }
}

function freePort(): number {
  while (true) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    try {
      Deno.listen({ hostname: ADDRESS, port }).close();
      return port;
    } catch (error) {
      if (!(error instanceof Deno.errors.AddrInUse)) throw error;
    }
  }
}

async function run(command: string, args: string[]): Promise<void> {
  const output = await new Deno.Command(command, { args, stdout: "null", stderr: "piped" }).output();
  if (!output.success) throw new Error(`${command} failed: ${new TextDecoder().decode(output.stderr)}`);
}
