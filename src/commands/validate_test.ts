import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { evaluateProbe, parseProbe, PROBED_COMMANDS, probeScript } from "./validate.ts";

const NEEDS = {
  connection: { become: true, becomeUser: "root" },
  prefix: "/opt/flame",
  systemd: true,
  enable: false,
  sdk: true,
  venv: false,
  user: "flame",
};

const ALL_FOUND = [
  "login 1000 deploy",
  "sudo ok",
  "as 0 root",
  ...PROBED_COMMANDS.map((
    c,
  ) => `cmd ${c} /usr/bin/${c}`),
  "pip ok",
  "prefix absent",
  "writable /opt",
].join("\n");

Deno.test("parseProbe() reads who logged in, sudo, commands, pip and the prefix", () => {
  const probe = parseProbe(
    "login 1000 deploy\nsudo ok\nas 0 root\ncmd sh /bin/sh\ncmd systemctl\npip missing\n" +
      "prefix directory\nreadonly /opt/flame\n",
  );
  assertEquals(probe.login, { uid: 1000, user: "deploy" });
  assertEquals(probe.sudo, { ok: true });
  assertEquals(probe.as, { uid: 0, user: "root" });
  assertEquals([...probe.commands], [["sh", "/bin/sh"], ["systemctl", undefined]]);
  assertEquals(probe.pip, false);
  assertEquals(probe.prefix, "directory");
  assertEquals(probe.parent, { path: "/opt/flame", writable: false });
});

Deno.test("evaluateProbe() passes a host that has everything", () => {
  const checks = evaluateProbe(parseProbe(ALL_FOUND), NEEDS);
  assertEquals(checks.map((c) => [c.name, c.status]), [
    ["privileges", "pass"],
    ["commands", "pass"],
    ["prefix", "pass"],
  ]);
  assertEquals(checks[2].detail, "/opt/flame can be created in /opt");
});

Deno.test("evaluateProbe() fails privileges with sudo's reason and does not check the rest", () => {
  const probe = parseProbe("login 1000 deploy\nsudo fail sudo: a password is required\n");
  const checks = evaluateProbe(probe, NEEDS);
  assertEquals(checks.map((c) => [c.name, c.status]), [
    ["privileges", "fail"],
    ["commands", "skip"],
    ["prefix", "skip"],
  ]);
  assertEquals(checks[0].detail, "sudo -n true as root failed for deploy: sudo: a password is required");
});

Deno.test("evaluateProbe() needs root for systemd, and systemctl, python3 and pip only when used", () => {
  const userProbe = parseProbe(
    "login 1000 deploy\nas 1000 deploy\ncmd sh /bin/sh\ncmd stat /usr/bin/stat\ncmd sha256sum /usr/bin/sha256sum\n" +
      "cmd base64 /usr/bin/base64\ncmd realpath /usr/bin/realpath\ncmd find /usr/bin/find\ncmd cp /bin/cp\ncmd du /usr/bin/du\ncmd df /bin/df\ncmd timeout /usr/bin/timeout\ncmd python3\ncmd systemctl\nprefix absent\nwritable /home/deploy\n",
  );
  const user = {
    connection: { become: false, becomeUser: "root" },
    prefix: "/home/deploy/flame",
    venv: false,
    user: "flame",
  };
  const withSystemd = evaluateProbe(userProbe, { ...user, systemd: true, enable: false, sdk: true });
  assertEquals(withSystemd[0].status, "fail");
  ok(withSystemd[0].detail.includes("systemd units need root"), withSystemd[0].detail);
  assertEquals(withSystemd[1].status, "fail");
  assertEquals(
    withSystemd[1].detail,
    "missing: python3 (for the Python packages), systemctl (for systemd units; or pass --no-systemd)",
  );
  const plain = evaluateProbe(userProbe, { ...user, systemd: false, enable: false, sdk: false });
  assertEquals(plain.map((c) => c.status), ["pass", "pass", "pass"]);
});

Deno.test("evaluateProbe() fails a prefix that is a file or cannot be created", () => {
  const file = evaluateProbe(parseProbe(ALL_FOUND.replace("prefix absent", "prefix other")), NEEDS);
  assertEquals(file[2].detail, "/opt/flame exists and is not a directory (other)");
  const readonly = evaluateProbe(parseProbe(ALL_FOUND.replace("writable /opt", "readonly /opt")), NEEDS);
  assertEquals(readonly[2].detail, "/opt (to create /opt/flame) is not writable by root");
  const invalid = evaluateProbe(
    parseProbe(ALL_FOUND),
    { ...NEEDS, prefix: undefined },
    "Invalid prefix: 'x'",
  );
  assertEquals(invalid[2], { name: "prefix", status: "fail", detail: "Invalid prefix: 'x'" });
});

Deno.test("probeScript() runs in sh and its output parses", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const script = probeScript({
      connection: { name: "l", kind: "local", address: "l", port: 22, become: false, becomeUser: "root" },
      prefix: `${dir}/a b/flame`,
    });
    const out = await new Deno.Command("sh", { args: ["-c", script], stdout: "piped" }).output();
    const probe = parseProbe(new TextDecoder().decode(out.stdout));
    assertEquals(probe.login?.uid, Deno.uid());
    assertEquals(probe.commands.get("sh") !== undefined, true);
    assertEquals(probe.prefix, "absent");
    assertEquals(probe.parent, { path: dir, writable: true });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("evaluateProbe() asks for what uninstall needs too: realpath, find and the backup's tools", () => {
  const probe = parseProbe(
    "login 0 root\nas 0 root\ncmd sh /bin/sh\ncmd stat /s\ncmd sha256sum /s\ncmd base64 /b\nprefix absent\nwritable /opt\n",
  );
  const checks = evaluateProbe(probe, {
    ...NEEDS,
    connection: { become: false, becomeUser: "root" },
    systemd: false,
    sdk: false,
  });
  const commands = checks.find((check) => check.name === "commands")!;
  assertEquals(commands.status, "fail");
  ok(
    commands.detail.startsWith(
      "missing: realpath (for uninstall's safety checks), find (for uninstall and backups), cp",
    ),
    commands.detail,
  );
});
