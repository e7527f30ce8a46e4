import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { ConnectionError } from "../engine/errors.ts";
import { sshConfigFor } from "./ssh_config.ts";

const CONFIG = `
# A user's ~/.ssh/config
Host bastion
  HostName 127.0.0.191
  User jumper
  Port 2222

Host inner-* !inner-direct
  ProxyJump bastion
  IdentityFile ~/.ssh/inner_key

Host inner-direct
  HostName 10.1.2.3

host *
  user deploy
  identityfile ~/.ssh/fleet
  ForwardAgent yes
  port 22
`;

Deno.test("sshConfigFor() applies the first value of each option of the matching sections", () => {
  assertEquals(sshConfigFor(CONFIG, "bastion", { file: "cfg" }), {
    hostName: "127.0.0.191",
    port: 2222,
    user: "jumper",
    identityFiles: ["~/.ssh/fleet"],
  });
  assertEquals(sshConfigFor(CONFIG, "inner-7", { file: "cfg" }), {
    port: 22,
    user: "deploy",
    identityFiles: ["~/.ssh/inner_key", "~/.ssh/fleet"],
    proxyJump: "bastion",
  });
  assertEquals(sshConfigFor(CONFIG, "inner-direct", { file: "cfg" }).hostName, "10.1.2.3");
  assertEquals(sshConfigFor(CONFIG, "inner-direct", { file: "cfg" }).proxyJump, undefined);
  assertEquals(sshConfigFor("", "x", { file: "cfg" }), {});
});

Deno.test("sshConfigFor() names the file and the host of a bad value", () => {
  assertThrows(
    () => sshConfigFor("Host x\n  Port many\n", "x", { file: "/home/u/.ssh/config" }),
    (error: unknown) =>
      error instanceof ConnectionError &&
      error.message ===
        'Invalid port in /home/u/.ssh/config for host x: expected a port number (1-65535), got "many"',
  );
});
