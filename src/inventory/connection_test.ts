import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { InventoryError } from "../engine/errors.ts";
import { connectionOf, parseBoolean } from "./connection.ts";
import { PyFloat } from "./float.ts";
import { loadInventory } from "./load.ts";
import type { InventoryHost } from "./types.ts";
import { VaultValue } from "./vault.ts";

const host = (vars: Record<string, unknown>, name = "web1"): InventoryHost => ({
  name,
  vars,
  groups: ["all"],
});

Deno.test("connectionOf() defaults to SSH on port 22 to the host's name, as root when becoming", () => {
  assertEquals(connectionOf(host({})), {
    name: "web1",
    kind: "ssh",
    address: "web1",
    port: 22,
    portIsDefault: true,
    user: undefined,
    privateKeyFile: undefined,
    become: false,
    becomeUser: "root",
  });
});

Deno.test("connectionOf() reads Ansible's connection variables", () => {
  const home = Deno.env.get("HOME");
  const c = connectionOf(host({
    ansible_host: "10.0.0.5",
    ansible_port: "2222",
    ansible_user: "deploy",
    ansible_connection: "smart",
    ansible_ssh_private_key_file: "~/.ssh/id_flame",
    ansible_become: "yes",
    ansible_become_user: "flame",
  }));
  assertEquals(c, {
    name: "web1",
    kind: "ssh",
    address: "10.0.0.5",
    port: 2222,
    user: "deploy",
    privateKeyFile: `${home}/.ssh/id_flame`,
    become: true,
    becomeUser: "flame",
  });
});

Deno.test("connectionOf() lets the older ansible_ssh_* names win, as Ansible does", () => {
  const c = connectionOf(
    host({ ansible_host: "new", ansible_ssh_host: "old", ansible_port: 1, ansible_ssh_port: 2 }),
  );
  assertEquals([c.address, c.port], ["old", 2]);
});

Deno.test("connectionOf() treats an explicit localhost as SSH unless it says local", () => {
  assertEquals(connectionOf(host({}, "localhost")).kind, "ssh");
  assertEquals(connectionOf(host({ ansible_connection: "local" }, "localhost")).kind, "local");
});

Deno.test("connectionOf() names the host, the variable and where it was set when a value is wrong", () => {
  const at = { file: "hosts", line: 3, col: 7 };
  assertThrows(
    () => connectionOf({ ...host({ ansible_port: "ssh" }), positions: { ansible_port: at } }),
    (e: unknown) =>
      e instanceof InventoryError && e.position === at &&
      e.message ===
        `hosts:3:7: Invalid ansible_port for host 'web1': expected a port number (1-65535), got "ssh"`,
  );
  assertThrows(() => connectionOf(host({ ansible_connection: "winrm" })), /Invalid ansible_connection/);
  assertThrows(() => connectionOf(host({ ansible_become: "maybe" })), /Invalid ansible_become/);
  assertThrows(() => connectionOf(host({ ansible_user: ["a"] })), /Invalid ansible_user/);
  assertThrows(() => connectionOf(host({ ansible_host: "{{ inventory_hostname }}.lan" })), /Jinja templates/);
});

Deno.test("parseBoolean() accepts Ansible's boolean spellings", () => {
  assertEquals(["yes", "On", "1", "true", "t", "Y", 1, true].map(parseBoolean), Array(8).fill(true));
  assertEquals(["no", "OFF", "0", "false", "f", "n", 0, false].map(parseBoolean), Array(8).fill(false));
  assertEquals(parseBoolean("maybe"), undefined);
});

Deno.test("connectionOf() refuses, at connection time, what loadInventory() reads as Ansible does", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/hosts`;
    await Deno.writeTextFile(
      file,
      '[c]\nd1 ansible_connection=docker\nj1 ansible_host="{{ myhost }}" ansible_port=2222.0\n',
    );
    const inventory = await loadInventory([file]);
    assertThrows(
      () => connectionOf(inventory.hosts.get("d1")!),
      (e: unknown) =>
        e instanceof InventoryError &&
        e.message ===
          `${file}:2:4: Invalid ansible_connection for host 'd1': expected 'ssh' or 'local', got "docker"`,
    );
    assertThrows(
      () => connectionOf(inventory.hosts.get("j1")!),
      new RegExp(`^InventoryError: ${file}:3:4: Invalid ansible_host .*Jinja`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("connectionOf() takes a float port and a vault-encrypted user", () => {
  const user = new VaultValue("$ANSIBLE_VAULT;1.1;AES256\n00", { file: "v.yml", line: 1, col: 1 });
  Object.defineProperty(user, "reveal", { value: () => "deploy" });
  const c = connectionOf(
    host({ ansible_port: new PyFloat(2222), ansible_user: user, ansible_become: new PyFloat(1) }),
  );
  assertEquals([c.port, c.user, c.become], [2222, "deploy", true]);
});

Deno.test("connectionOf() keeps the SSH argument variables in Ansible's order, with where each was set", () => {
  const c = connectionOf({
    ...host({
      ansible_ssh_extra_args: "-o ConnectTimeout=5",
      ansible_ssh_common_args: "-o ProxyJump=bastion",
    }),
    positions: { ansible_ssh_common_args: { file: "inv.yml", line: 3, col: 5 } },
  }, { sshArgs: { value: "-C", position: { file: "ansible.cfg", line: 2, col: 1 } } });
  assertEquals(c.sshArgs, [
    { variable: "ssh_args", value: "-C", position: { file: "ansible.cfg", line: 2, col: 1 } },
    {
      variable: "ansible_ssh_common_args",
      value: "-o ProxyJump=bastion",
      position: { file: "inv.yml", line: 3, col: 5 },
    },
    { variable: "ansible_ssh_extra_args", value: "-o ConnectTimeout=5", position: undefined },
  ]);
  // The inventory's ansible_ssh_args replaces the config's ssh_args.
  const own = connectionOf(host({ ansible_ssh_args: "-q" }), { sshArgs: { value: "-C" } });
  assertEquals(own.sshArgs, [{ variable: "ansible_ssh_args", value: "-q", position: undefined }]);
});

Deno.test("connectionOf() takes ansible.cfg's defaults only where the inventory says nothing", () => {
  const defaults = { user: "ops", privateKeyFile: "/k", become: true, becomeUser: "app" };
  const c = connectionOf(host({}), defaults);
  assertEquals([c.user, c.privateKeyFile, c.become, c.becomeUser], ["ops", "/k", true, "app"]);
  const own = connectionOf(
    host({
      ansible_user: "deploy",
      ansible_ssh_private_key_file: "/mine",
      ansible_become: false,
      ansible_become_user: "root",
    }),
    defaults,
  );
  assertEquals([own.user, own.privateKeyFile, own.become, own.becomeUser], [
    "deploy",
    "/mine",
    false,
    "root",
  ]);
});

Deno.test("connectionOf() holds passwords as secrets that never print", () => {
  const c = connectionOf(host({ ansible_password: "login-pw-1", ansible_become_pass: "sudo-pw-2" }));
  assertEquals(c.password?.reveal(), "login-pw-1");
  assertEquals(c.becomePassword?.reveal(), "sudo-pw-2");
  const shown = JSON.stringify(c) + String(c.password) + Deno.inspect(c);
  assertEquals(shown.includes("login-pw-1") || shown.includes("sudo-pw-2"), false);
  assertEquals(
    connectionOf(host({ ansible_become_password: "a", ansible_become_pass: "b" })).becomePassword?.reveal(),
    "a",
  );
  assertThrows(
    () => connectionOf(host({ ansible_become_password: "two\nlines" })).becomePassword?.reveal(),
    InventoryError,
  );
});

Deno.test("connectionOf() decrypts a vaulted password only when it is used", () => {
  let revealed = 0;
  const vaulted = new VaultValue("$ANSIBLE_VAULT;1.1;AES256\n00", { file: "v.yml", line: 4, col: 3 });
  Object.defineProperty(vaulted, "reveal", { value: () => (revealed++, "from-the-vault") });
  const c = connectionOf(host({ ansible_become_password: vaulted }));
  assertEquals(revealed, 0);
  assertEquals(c.becomePassword?.reveal(), "from-the-vault");
  assertEquals(revealed, 1);
});
