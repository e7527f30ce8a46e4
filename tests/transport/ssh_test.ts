import { assert, assertEquals, assertInstanceOf, assertRejects, assertStringIncludes } from "./_assert.ts";
import { join } from "node:path";
import { CancelledError, CommandError, ConnectionError, InstallError } from "../../src/engine/errors.ts";
import { sh } from "../../src/transport/quote.ts";
import { connectSsh, type SshOptions } from "../../src/transport/ssh.ts";
import type { Connection, Transport } from "../../src/transport/transport.ts";
import { makeKey, startSshd, type TestSshd } from "./sshd.ts";

const HOSTILE = [
  "plain",
  "two words",
  "it's",
  '"double"',
  "$(touch /tmp/muster-pwned)",
  "`touch /tmp/muster-pwned`",
  "$HOME",
  "line one\nline two",
  "*",
  "/etc/*",
  "-n",
  "--help",
  "a;b|c&d>e<f",
  "tab\there",
  "back\\slash",
  "ünïcødé ✓ 日本",
  "",
  " leading and trailing ",
  "!bang",
  "~",
];

async function withSshd(fn: (sshd: TestSshd) => Promise<void>): Promise<void> {
  const sshd = await startSshd();
  try {
    await fn(sshd);
  } catch (error) {
    console.error(`sshd log:\n${sshd.log()}`);
    throw error;
  } finally {
    await sshd.stop();
  }
}

async function connect(sshd: TestSshd, overrides: Partial<Connection> = {}, options: SshOptions = {}) {
  return await connectSsh(sshd.connection(overrides), {
    knownHostsFile: join(sshd.dir, "home", ".ssh", "known_hosts"),
    ...options,
  });
}

async function using<T>(transport: Transport, fn: (t: Transport) => Promise<T>): Promise<T> {
  try {
    return await fn(transport);
  } finally {
    await transport.close();
  }
}

function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
  return bytes;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Connects as the current user with the default keys and known_hosts, in a `deno eval`
 * subprocess with the given environment (HOME, SSH_AUTH_SOCK, ...); returns what
 * `id -un` printed there.
 */
async function connectInSubprocess(sshd: TestSshd, env: Record<string, string>): Promise<string> {
  const module = new URL("../../src/transport/ssh.ts", import.meta.url).href;
  const connection = JSON.stringify(sshd.connection({ user: undefined, privateKeyFile: undefined }));
  const script = `
    import { connectSsh } from ${JSON.stringify(module)};
    const host = await connectSsh(${connection});
    console.log((await host.run("id -un")).stdout.trim());
    await host.close();
  `;
  const inherited = Deno.env.toObject();
  delete inherited.SSH_AUTH_SOCK;
  // Keep using this process's module cache rather than one under the new HOME.
  const denoDir = inherited.DENO_DIR ??
    join(inherited.XDG_CACHE_HOME ?? join(inherited.HOME, ".cache"), "deno");
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--config", new URL("../../deno.json", import.meta.url).pathname, script],
    env: { ...inherited, DENO_DIR: denoDir, ...env },
    clearEnv: true,
  }).output();
  assert(output.success, new TextDecoder().decode(output.stderr));
  return new TextDecoder().decode(output.stdout);
}

Deno.test("ssh transport against a real sshd", async (t) => {
  await withSshd(async (sshd) => {
    const knownHosts = join(sshd.dir, "home", ".ssh", "known_hosts");

    await t.step("connectSsh() records an unknown host in a new known_hosts file", async () => {
      await (await connect(sshd)).close();
      const lines = (await Deno.readTextFile(knownHosts)).trim().split("\n");
      assertEquals(lines.length, 1);
      assert(lines[0].startsWith(`[127.0.0.2]:${sshd.port} ssh-ed25519 AAAA`), lines[0]);
      assertEquals((await Deno.stat(knownHosts)).mode! & 0o777, 0o600);
      assertEquals((await Deno.stat(join(sshd.dir, "home", ".ssh"))).mode! & 0o777, 0o700);
      const found = await new Deno.Command("ssh-keygen", {
        args: ["-F", `[127.0.0.2]:${sshd.port}`, "-f", knownHosts],
        stdout: "null",
      }).output();
      assert(found.success, "ssh-keygen -F finds the recorded host");

      await (await connect(sshd)).close();
      assertEquals((await Deno.readTextFile(knownHosts)).trim().split("\n").length, 1);
    });

    const transport = await connect(sshd);
    try {
      await t.step("run() returns stdout, stderr and the exit code", async () => {
        const result = await transport.run("echo out; echo err >&2; exit 3");
        assertEquals(result, { code: 3, stdout: "out\n", stderr: "err\n" });
        assertEquals((await transport.run("true")).code, 0);
      });

      await t.step("run() passes hostile arguments through quote unchanged", async () => {
        const result = await transport.run(sh`printf '%s\\0' ${HOSTILE}`);
        assertEquals(result.stdout.split("\0").slice(0, -1), HOSTILE);
        const asRoot = await transport.run(sh`printf '%s\\0' ${HOSTILE}`, { become: true });
        assertEquals(asRoot.stdout.split("\0").slice(0, -1), HOSTILE);
        const pwned = await transport.run("test -e /tmp/muster-pwned");
        assertEquals(pwned.code, 1);
      });

      await t.step("run() writes stdin and closes it", async () => {
        assertEquals((await transport.run("cat", { stdin: "hello\nwörld" })).stdout, "hello\nwörld");
        const bytes = randomBytes(300_000);
        assertEquals((await transport.run("wc -c", { stdin: bytes })).stdout.trim(), "300000");
        assertEquals((await transport.run("cat")).stdout, "", "without stdin the command reads EOF");
      });

      await t.step(
        "run() sends input pieces in order, a file's and a later one's too, then says so",
        async () => {
          const file = join(sshd.dir, "piece.bin");
          const [head, middle, tail] = [
            randomBytes(1000),
            randomBytes(2 * 1024 * 1024 + 3),
            randomBytes(70_000),
          ];
          await Deno.writeFile(file, middle);
          let later: () => void = () => {};
          const waited = new Promise<void>((resolve) => later = resolve);
          async function* pieces() {
            yield head;
            yield { file };
            await waited;
            yield tail;
          }
          let sent = 0;
          const running = transport.run("sha256sum", { stdin: pieces(), onInputSent: () => sent++ });
          await new Promise((resolve) => setTimeout(resolve, 200));
          assertEquals(sent, 0, "not sent while a piece is still to come");
          later();
          const result = await running;
          const whole = new Uint8Array(head.length + middle.length + tail.length);
          whole.set(head);
          whole.set(middle, head.length);
          whole.set(tail, head.length + middle.length);
          assertEquals(result.stdout.split(" ")[0], await sha256(whole));
          assertEquals(sent, 1);
        },
      );

      await t.step("run() streams stdout to onStdout as it arrives", async () => {
        const chunks: string[] = [];
        const result = await transport.run("for i in 1 2 3; do echo $i; sleep 0.2; done", {
          onStdout: (chunk) => chunks.push(chunk),
        });
        assert(chunks.length >= 3, `got ${chunks.length} chunks`);
        assertEquals(chunks.join(""), "1\n2\n3\n");
        assertEquals(result.stdout, "1\n2\n3\n");
      });

      await t.step("run() reports death by a signal as 128 + its number", async () => {
        assertEquals((await transport.run("kill -KILL $$")).code, 137);
        assertEquals((await transport.run("kill -TERM $$")).code, 143);
      });

      await t.step("run() runs 8 commands concurrently on one connection", async () => {
        // A barrier, not a stopwatch: each command marks itself, then waits (30 s at most)
        // until all 8 have; run one after another, the first would wait alone.
        const dir = `/tmp/muster-barrier-${crypto.randomUUID()}`;
        await transport.run(`mkdir -p ${dir}`);
        const barrier = (i: number) =>
          `touch ${dir}/${i}; n=0; while [ "$(ls ${dir} | wc -l)" -lt 8 ] && [ $n -lt 300 ]; do ` +
          `sleep 0.1; n=$((n + 1)); done; echo "${i} saw $(ls ${dir} | wc -l)"`;
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => transport.run(barrier(i))));
        await transport.run(`rm -rf ${dir}`);
        assertEquals(results.map((r) => r.stdout), Array.from({ length: 8 }, (_, i) => `${i} saw 8\n`));
      });

      await t.step("run() queues commands beyond the server's MaxSessions", async () => {
        const results = await Promise.all(Array.from({ length: 25 }, (_, i) => transport.run(`echo ${i}`)));
        assertEquals(results.map((r) => r.stdout), Array.from({ length: 25 }, (_, i) => `${i}\n`));
      });

      await t.step("run() rejects with CancelledError when its signal aborts", async () => {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 300);
        const started = performance.now();
        await assertRejects(() => transport.run("sleep 3", { signal: controller.signal }), CancelledError);
        assert(performance.now() - started < 2000);
        await assertRejects(() => transport.run("true", { signal: controller.signal }), CancelledError);
        // sshd refuses signal requests in root sessions (no privilege separation), so the
        // remote `sleep 3` is not killed here; for other users it gets SIGTERM.
        assertEquals((await transport.run("echo still usable")).stdout, "still usable\n");
      });

      await t.step("run() applies become through sudo -n", async () => {
        const asNobody = await connect(sshd, { become: true, becomeUser: "nobody" });
        await using(asNobody, async (host) => {
          assertEquals((await host.run("id -un")).stdout, "nobody\n");
          assertEquals((await host.run("id -un", { become: false })).stdout, "root\n");
          assertEquals((await host.run("cat", { stdin: "through sudo" })).stdout, "through sudo");
        });
        assertEquals((await transport.run("id -un", { become: true })).stdout, "root\n");
      });

      await t.step("put() streams a 10 MB file byte-identical and sets its mode", async () => {
        const local = join(sshd.dir, "random.bin");
        const bytes = randomBytes(10 * 1024 * 1024 + 17);
        await Deno.writeFile(local, bytes);
        const remote = join(sshd.dir, "remote", "sub dir", "it's random.bin");
        await transport.put(local, remote, { mode: 0o640 });
        assertEquals(await sha256(await Deno.readFile(remote)), await sha256(bytes));
        assertEquals((await Deno.stat(remote)).mode! & 0o7777, 0o640);
        assertEquals((await Deno.stat(join(sshd.dir, "remote"))).mode! & 0o777, 0o700);

        await transport.put(local, remote); // overwrite, default mode
        assertEquals((await Deno.stat(remote)).mode! & 0o7777, 0o600);
      });

      await t.step("put() writes bytes, including an empty file", async () => {
        const remote = join(sshd.dir, "bytes.txt");
        await transport.put(new TextEncoder().encode("hello\n"), remote, { mode: 0o644 });
        assertEquals(await Deno.readTextFile(remote), "hello\n");
        assertEquals((await Deno.stat(remote)).mode! & 0o777, 0o644);
        await transport.put(new Uint8Array(), remote);
        assertEquals((await Deno.readFile(remote)).length, 0);
      });

      await t.step("put() rejects with the remote stderr when it cannot write", async () => {
        const error = await assertRejects(
          () => transport.put(new TextEncoder().encode("x"), "/proc/muster/x"),
          CommandError,
        );
        assertStringIncludes(error.message, "Cannot write /proc/muster/x on test: ");
        assertStringIncludes(error.stderr, "mkdir");
        // A large file is refused without hanging on a closed channel.
        const local = join(sshd.dir, "big.bin");
        await Deno.writeFile(local, randomBytes(8 * 1024 * 1024));
        await assertRejects(() => transport.put(local, "/proc/muster/big"), CommandError);
      });

      await t.step("put() of a missing local file throws InstallError", async () => {
        await assertRejects(
          () => transport.put(join(sshd.dir, "missing"), join(sshd.dir, "x")),
          InstallError,
          "Cannot upload",
        );
      });

      await t.step("get() returns binary data unchanged", async () => {
        const bytes = randomBytes(1_000_003);
        bytes.set([0xff, 0xfe, 0x00, 0xc3, 0x28], 0); // invalid UTF-8 and a NUL
        const remote = join(sshd.dir, "binary.bin");
        await Deno.writeFile(remote, bytes);
        assertEquals(await sha256(await transport.get(remote)), await sha256(bytes));
        assertInstanceOf(await transport.get(remote), Uint8Array);
        await assertRejects(() => transport.get(join(sshd.dir, "missing")), CommandError, "No such file");
      });
    } finally {
      await transport.close();
    }

    await t.step("close() is idempotent and later calls throw ConnectionError", async () => {
      const host = await connect(sshd);
      await Promise.all([host.close(), host.close()]);
      await host.close();
      await assertRejects(() => host.run("true"), ConnectionError, "is closed");
    });

    await t.step("run() rejects with ConnectionError when the connection drops", async () => {
      const host = await connect(sshd);
      await using(host, async () => {
        // Kill this session's sshd process: the TCP connection goes away mid-command.
        await assertRejects(() => host.run("kill -9 $PPID; sleep 5"), ConnectionError, "Lost connection");
        await assertRejects(() => host.run("true"), ConnectionError, "Lost connection");
      });
    });

    await t.step("connectSsh() accepts hashed known_hosts entries", async () => {
      const hashed = join(sshd.dir, "hashed_known_hosts");
      await Deno.copyFile(knownHosts, hashed);
      const output = await new Deno.Command("ssh-keygen", { args: ["-H", "-f", hashed], stderr: "null" })
        .output();
      assert(output.success);
      const before = await Deno.readTextFile(hashed);
      assert(before.startsWith("|1|"), before);
      await (await connect(sshd, {}, { knownHostsFile: hashed })).close();
      assertEquals(await Deno.readTextFile(hashed), before, "the host is known: nothing appended");
    });

    await t.step("connectSsh() records a new host once when many connections race", async () => {
      const file = join(sshd.dir, "race", "known_hosts");
      const hosts = await Promise.all(
        Array.from({ length: 6 }, () => connect(sshd, {}, { knownHostsFile: file })),
      );
      await Promise.all(hosts.map((host) => host.close()));
      assertEquals((await Deno.readTextFile(file)).trim().split("\n").length, 1);
    });

    await t.step("connectSsh() reports failed authentication with the user and key", async () => {
      const wrongKey = join(sshd.dir, "wrong_key");
      await makeKey(wrongKey);
      const error = await assertRejects(
        () => connect(sshd, { privateKeyFile: wrongKey }),
        ConnectionError,
      );
      assertStringIncludes(
        error.message,
        `Cannot connect to root@127.0.0.2:${sshd.port}: authentication failed for user root (tried key ${wrongKey}`,
      );
    });

    await t.step("connectSsh() says when the private key file is missing or encrypted", async () => {
      const missing = join(sshd.dir, "no_such_key");
      await assertRejects(
        () => connect(sshd, { privateKeyFile: missing }, {}),
        ConnectionError,
        `cannot read private key ${missing}`,
      );
      const encrypted = join(sshd.dir, "encrypted_key");
      await makeKey(encrypted, "secret passphrase");
      await assertRejects(
        () => connect(sshd, { privateKeyFile: encrypted }),
        ConnectionError,
        `${encrypted} is encrypted (load it with 'ssh-add ${encrypted}')`,
      );
      await assertRejects(
        () => connect(sshd, { privateKeyFile: `${encrypted}.pub` }),
        ConnectionError,
        `${encrypted}.pub is not a private key file`,
      );
    });

    await t.step("connectSsh() finds ~/.ssh/id_ed25519 and ~/.ssh/known_hosts from HOME", async () => {
      const home = join(sshd.dir, "home-with-key");
      await Deno.mkdir(join(home, ".ssh"), { recursive: true });
      await Deno.copyFile(sshd.clientKey, join(home, ".ssh", "id_ed25519"));
      const stdout = await connectInSubprocess(sshd, { HOME: home, USER: "root" });
      assertEquals(stdout, "root\n");
      const recorded = await Deno.readTextFile(join(home, ".ssh", "known_hosts"));
      assert(recorded.startsWith(`[127.0.0.2]:${sshd.port} ssh-ed25519 `), recorded);
    });

    await t.step("connectSsh() logs in through the SSH agent", async () => {
      const home = join(sshd.dir, "home-without-key");
      await Deno.mkdir(home);
      const socket = join(sshd.dir, "agent.sock");
      const agent = new Deno.Command("ssh-agent", {
        args: ["-D", "-a", socket],
        stdout: "null",
        stderr: "null",
      })
        .spawn();
      try {
        while (!(await Deno.stat(socket).then(() => true, () => false))) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const added = await new Deno.Command("ssh-add", {
          args: [sshd.clientKey],
          env: { SSH_AUTH_SOCK: socket },
          stderr: "null",
        }).output();
        assert(added.success, "ssh-add");
        const stdout = await connectInSubprocess(sshd, { HOME: home, USER: "root", SSH_AUTH_SOCK: socket });
        assertEquals(stdout, "root\n");
      } finally {
        agent.kill();
        await agent.status;
      }
    });
  });
});

Deno.test("connectSsh() refuses a host whose key changed, unless checking is off", async () => {
  await withSshd(async (sshd) => {
    const knownHosts = join(sshd.dir, "home", ".ssh", "known_hosts");
    await (await connect(sshd)).close();
    const recorded = await Deno.readTextFile(knownHosts);
    await Deno.writeTextFile(
      knownHosts,
      `# a comment\nexample.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII1T/HZzonadNpR40yI0WF4tkso3lEHOB3093180Tfpc\n${recorded}`,
    );

    await sshd.regenerateHostKey();
    const error = await assertRejects(() => connect(sshd), ConnectionError);
    const name = `[127.0.0.2]:${sshd.port}`;
    assertStringIncludes(error.message, `Cannot connect to root@127.0.0.2:${sshd.port}: host key changed: `);
    assertStringIncludes(error.message, `${knownHosts} line 3 records another ssh-ed25519 key for ${name}`);
    assertStringIncludes(error.message, `ssh-keygen -R '${name}' -f ${knownHosts}`);
    assert(error.message.includes("SHA256:"), error.message);
    assertEquals(
      (await Deno.readTextFile(knownHosts)).split("\n").length,
      4,
      "known_hosts is left alone",
    );

    await (await connect(sshd, {}, { hostKeyChecking: "off" })).close();

    const fixed = await new Deno.Command("ssh-keygen", {
      args: ["-R", name, "-f", knownHosts],
      stdout: "null",
      stderr: "null",
    }).output();
    assert(fixed.success);
    await (await connect(sshd)).close();
  });
});

/** A private key for tests that never reach authentication. */
const KEY = await (async () => {
  const dir = await Deno.makeTempDir({ prefix: "muster-key-" });
  await makeKey(join(dir, "key"));
  globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
  return join(dir, "key");
})();

Deno.test("connectSsh() reports connection refused when nothing listens", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.2", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const error = await assertRejects(
    () =>
      connectSsh({
        name: "nothing",
        kind: "ssh",
        address: "127.0.0.2",
        port,
        user: "deploy",
        privateKeyFile: KEY,
        become: false,
        becomeUser: "root",
      }, { hostKeyChecking: "off" }),
    ConnectionError,
  );
  assertEquals(error.message, `Cannot connect to deploy@127.0.0.2:${port}: connection refused`);
});

Deno.test("connectSsh() times out when the server never speaks", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.2", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const accepted: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) accepted.push(conn);
  })();
  try {
    const started = performance.now();
    await assertRejects(
      () =>
        connectSsh({
          name: "silent",
          kind: "ssh",
          address: "127.0.0.2",
          port,
          user: "deploy",
          privateKeyFile: KEY,
          become: false,
          becomeUser: "root",
        }, { hostKeyChecking: "off", connectTimeoutMs: 400 }),
      ConnectionError,
      `Cannot connect to deploy@127.0.0.2:${port}: timed out after 400 ms`,
    );
    assert(performance.now() - started < 2000);
  } finally {
    listener.close();
    await accepting.catch(() => {});
    accepted.forEach((conn) => conn.close());
  }
});

Deno.test("connectSsh() reports a host name that does not resolve", async () => {
  await assertRejects(
    () =>
      connectSsh({
        name: "nowhere",
        kind: "ssh",
        address: "no-such-host.invalid",
        port: 22,
        user: "deploy",
        privateKeyFile: KEY,
        become: false,
        becomeUser: "root",
      }, { hostKeyChecking: "off", connectTimeoutMs: 5000 }),
    ConnectionError,
    "Cannot connect to deploy@no-such-host.invalid:22: host name not found",
  );
});
