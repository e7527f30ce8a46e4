import { deepStrictEqual as assertEquals, rejects, throws as assertThrows } from "node:assert/strict";
import { join } from "node:path";
import { UsageError } from "../engine/errors.ts";
import { findAnsibleConfig, loadAnsibleConfig, parseIni } from "./ansible_cfg.ts";

const env = (vars: Record<string, string> = {}) => ({ get: (key: string) => vars[key] });

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "muster-cfg-" });
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(join(dir, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, path), text);
  }
  return dir;
}

Deno.test("parseIni() reads configparser's syntax with Ansible's inline ; comments", () => {
  const text = [
    "# comment",
    "[defaults]",
    "Forks = 20 ; inline",
    "remote_user: ops",
    "; another comment",
    "[ssh_connection]",
    "ssh_args = -o ProxyJump=b",
    "   -o ConnectTimeout=5",
    "pct = 100%%#not a comment",
  ].join("\n");
  const ini = parseIni(text, "a.cfg");
  assertEquals(ini.get("defaults")?.get("forks"), {
    value: "20",
    position: { file: "a.cfg", line: 3, col: 1 },
  });
  assertEquals(ini.get("defaults")?.get("remote_user")?.value, "ops");
  assertEquals(ini.get("ssh_connection")?.get("ssh_args")?.value, "-o ProxyJump=b\n-o ConnectTimeout=5");
  assertEquals(ini.get("ssh_connection")?.get("pct")?.value, "100%#not a comment");
  assertThrows(() => parseIni("[d]\na=1\nA=2\n", "b.cfg"), /b\.cfg:3: a is set twice/);
  assertThrows(() => parseIni("a=1\n", "c.cfg"), /c\.cfg:1: a setting before any \[section\]/);
});

Deno.test("findAnsibleConfig() takes ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg in that order", async () => {
  const dir = await tree({
    "project/ansible.cfg": "",
    "home/.ansible.cfg": "",
    "elsewhere/custom.cfg": "",
    "confdir/ansible.cfg": "",
  });
  try {
    const cwd = join(dir, "project");
    const home = join(dir, "home");
    assertEquals(
      await findAnsibleConfig({ env: env({ ANSIBLE_CONFIG: join(dir, "elsewhere/custom.cfg") }), cwd, home }),
      join(dir, "elsewhere/custom.cfg"),
    );
    assertEquals(
      await findAnsibleConfig({ env: env({ ANSIBLE_CONFIG: join(dir, "confdir") }), cwd, home }),
      join(dir, "confdir/ansible.cfg"),
    );
    assertEquals(await findAnsibleConfig({ env: env(), cwd, home }), join(cwd, "ansible.cfg"));
    assertEquals(await findAnsibleConfig({ env: env(), cwd: home, home }), join(home, ".ansible.cfg"));
    // A world-writable working directory's ansible.cfg is ignored, as Ansible does.
    await Deno.chmod(cwd, 0o777);
    assertEquals(await findAnsibleConfig({ env: env(), cwd, home }), join(home, ".ansible.cfg"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadAnsibleConfig() takes the settings muster has an equivalent for, env over file", async () => {
  const dir = await tree({
    "ansible.cfg": [
      "[defaults]",
      "inventory = inv/hosts.yml, /abs/other.ini",
      "remote_user = ops",
      "private_key_file = keys/id",
      "forks = 7",
      "host_key_checking = False",
      "vault_password_file = ~/.vault-pass",
      "timeout = 3",
      "[ssh_connection]",
      "ssh_args = -o ProxyJump=bastion",
      "[privilege_escalation]",
      "become = yes",
      "become_user = app",
    ].join("\n"),
  });
  try {
    const config = await loadAnsibleConfig({ env: env(), cwd: dir, home: "/home/u" });
    assertEquals(config, {
      file: join(dir, "ansible.cfg"),
      inventory: [join(dir, "inv/hosts.yml"), "/abs/other.ini"],
      forks: 7,
      hostKeyChecking: false,
      timeout: 3,
      vaultPasswordFile: "/home/u/.vault-pass",
      connection: {
        user: "ops",
        privateKeyFile: join(dir, "keys/id"),
        become: true,
        becomeUser: "app",
        sshArgs: {
          value: "-o ProxyJump=bastion",
          position: { file: join(dir, "ansible.cfg"), line: 10, col: 1 },
        },
      },
    });
    const overridden = await loadAnsibleConfig({
      env: env({ ANSIBLE_FORKS: "3", ANSIBLE_REMOTE_USER: "envuser", ANSIBLE_HOST_KEY_CHECKING: "true" }),
      cwd: dir,
      home: "/home/u",
    });
    assertEquals([overridden.forks, overridden.connection.user, overridden.hostKeyChecking], [
      3,
      "envuser",
      true,
    ]);
    await rejects(
      loadAnsibleConfig({ env: env({ ANSIBLE_FORKS: "many" }), cwd: dir }),
      (error: unknown) =>
        error instanceof UsageError &&
        error.message === '$ANSIBLE_FORKS: forks: expected a whole number of at least 1, got "many"',
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadAnsibleConfig() without any file has no settings", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const config = await loadAnsibleConfig({ env: env(), cwd: dir, home: dir });
    if (config.file !== "/etc/ansible/ansible.cfg") assertEquals(config, { connection: {} });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
