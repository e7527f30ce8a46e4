import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { InventoryError } from "../engine/errors.ts";
import { readSshArgs } from "./ssh_args.ts";

const common = (value: string) => [{
  variable: "ansible_ssh_common_args",
  value,
  position: { file: "inv/hosts.yml", line: 7, col: 30 },
}];

Deno.test("readSshArgs() reads Ansible's ProxyCommand as shlex splits it", () => {
  assertEquals(readSshArgs(common(`-o ProxyCommand="ssh -W %h:%p -q root@bastion -p 922"`)), {
    proxyCommand: "ssh -W %h:%p -q root@bastion -p 922",
  });
});

Deno.test("readSshArgs() reads -o in every spelling, and flags with or without a space", () => {
  assertEquals(
    readSshArgs(
      common(
        "-oPort=2222 -o 'User deploy' -o proxyjump=ops@b1:22,b2 -iid1 -i id2 -o ConnectTimeout=7 -F cfg -C -q",
      ),
    ),
    {
      port: 2222,
      user: "deploy",
      proxyJump: "ops@b1:22,b2",
      identityFiles: ["id1", "id2"],
      connectTimeoutMs: 7000,
      configFile: "cfg",
      compression: true,
    },
  );
  assertEquals(
    readSshArgs(
      common("-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -J bastion -l ops -p 23"),
    ),
    {
      strictHostKeyChecking: "off",
      userKnownHostsFile: "/dev/null",
      proxyJump: "bastion",
      user: "ops",
      port: 23,
    },
  );
});

Deno.test("readSshArgs() keeps the first value of an option, as OpenSSH does", () => {
  const values = readSshArgs([
    { variable: "ansible_ssh_args", value: "-o Port=1 -o StrictHostKeyChecking=yes" },
    { variable: "ansible_ssh_common_args", value: "-o Port=2 -o StrictHostKeyChecking=accept-new" },
  ]);
  assertEquals(values, { port: 1, strictHostKeyChecking: "yes" });
});

Deno.test("readSshArgs() accepts Ansible's default ssh_args, which change nothing for muster", () => {
  assertEquals(readSshArgs(common("-C -o ControlMaster=auto -o ControlPersist=60s")), { compression: true });
});

Deno.test("readSshArgs() names an unsupported option, the variable and where it was set", () => {
  assertThrows(
    () => readSshArgs(common("-o ProxyJump=b -o ForwardX11=yes")),
    (error: unknown) =>
      error instanceof InventoryError &&
      error.message ===
        'inv/hosts.yml:7:30: ansible_ssh_common_args: unsupported SSH option ForwardX11 (in -o "ForwardX11=yes")',
  );
  assertThrows(() => readSshArgs(common("-A")), /unsupported SSH argument "-A"/);
  assertThrows(() => readSshArgs(common("-o Port=x")), /Port: expected a port number/);
  assertThrows(() => readSshArgs(common("-o StrictHostKeyChecking=maybe")), /expected yes, accept-new/);
  assertThrows(() => readSshArgs(common("-o UserKnownHostsFile='a b'")), /one file/);
  assertThrows(() => readSshArgs(common("-o")), /-o needs a value/);
  assertThrows(() => readSshArgs(common(`-o ProxyCommand="ssh`)), /cannot split/);
});
