import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { homedir } from "node:os";
import { ConnectionError } from "../engine/errors.ts";
import { expandProxyCommand, parseJump, sshTarget } from "./ssh_target.ts";

Deno.test("sshTarget() takes inventory values over SSH arguments over the ssh config", () => {
  const target = sshTarget(
    { address: "web1", port: 2201, privateKeyFile: "/inv/key", knownHostsFile: "/run/kh" },
    { port: 2202, user: "from-args", identityFiles: ["~/args_key"], connectTimeoutMs: 3000 },
    { hostName: "10.0.0.5", port: 2203, user: "from-config", identityFiles: ["/cfg_key"], proxyJump: "b" },
  );
  assertEquals(target, {
    name: "web1",
    host: "10.0.0.5",
    port: 2201,
    user: "from-args",
    keyFiles: [
      { file: "/inv/key", required: true },
      { file: `${homedir()}/args_key`, required: false },
      { file: "/cfg_key", required: false },
    ],
    jump: [{ host: "b" }],
    hostKeyChecking: "accept-new",
    knownHostsFile: "/run/kh",
    connectTimeoutMs: 3000,
  });
  const defaults = sshTarget({ address: "web1" }, {}, {});
  assertEquals([defaults.host, defaults.port, defaults.user, defaults.keyFiles], ["web1", 22, undefined, []]);
  assertEquals(defaults.connectTimeoutMs, 10_000);
});

Deno.test("sshTarget() lets the arguments' proxy replace the config's, and none remove it", () => {
  const config = { proxyJump: "bastion" };
  assertEquals(sshTarget({ address: "a" }, { proxyCommand: "nc %h %p" }, config).proxyCommand, "nc %h %p");
  assertEquals(sshTarget({ address: "a" }, { proxyCommand: "nc %h %p" }, config).jump, undefined);
  assertEquals(sshTarget({ address: "a" }, { proxyJump: "none" }, config).jump, undefined);
  assertThrows(() => sshTarget({ address: "a" }, { proxyJump: "b", proxyCommand: "c" }, {}), ConnectionError);
});

Deno.test("sshTarget() never checks host keys when the run says off; else the arguments decide", () => {
  assertEquals(
    sshTarget({ address: "a", hostKeyChecking: "off" }, { strictHostKeyChecking: "yes" }, {}).hostKeyChecking,
    "off",
  );
  assertEquals(sshTarget({ address: "a" }, { strictHostKeyChecking: "yes" }, {}).hostKeyChecking, "yes");
  assertEquals(sshTarget({ address: "a" }, {}, { strictHostKeyChecking: "off" }).hostKeyChecking, "off");
});

Deno.test("parseJump() reads user, host and port of each hop", () => {
  assertEquals(parseJump("ops@bastion:2222, inner,ssh://u@[::1]:23"), [
    { host: "bastion", user: "ops", port: 2222 },
    { host: "inner" },
    { host: "::1", user: "u", port: 23 },
  ]);
  assertThrows(() => parseJump("a:99999"), /Invalid ProxyJump/);
  assertThrows(() => parseJump("a b"), /Invalid ProxyJump/);
});

Deno.test("expandProxyCommand() expands %h %p %r %n %% and refuses other tokens", () => {
  const values = { host: "10.0.0.5", port: 2222, user: "deploy", name: "web1" };
  assertEquals(
    expandProxyCommand("ssh -W %h:%p -l %r x # %n 100%%", values),
    "ssh -W 10.0.0.5:2222 -l deploy x # web1 100%",
  );
  assertThrows(() => expandProxyCommand("ssh -W %h:%p %C", values), /Unsupported token %C/);
});
