import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { parseShow, unitStatesFact } from "./services.ts";

Deno.test("parseShow() reads each unit's block of real systemd's full `show` output", () => {
  const output = [
    "Type=simple",
    "ExecStart={ path=/usr/local/flame/bin/flame-session-manager ; argv[]=/x --config=/y ; status=0/0 }",
    "Id=flame-session-manager.service",
    "ActiveState=active",
    "SubState=running",
    "UnitFileState=enabled",
    "",
    "Type=simple",
    "Id=flame-executor-manager.service",
    "ActiveState=failed",
    "UnitFileState=disabled",
    "",
  ].join("\n");
  assertEquals(
    parseShow(output),
    new Map([
      ["flame-session-manager", { enabled: "enabled", active: "active" }],
      ["flame-executor-manager", { enabled: "disabled", active: "failed" }],
    ]),
  );
});

Deno.test("unitStatesFact() parses the daemonless systemctl, and a host without systemctl", () => {
  const fact = unitStatesFact(["flame-session-manager", "flame-executor-manager"]);
  const daemonless = [
    "systemctl",
    "Id=flame-session-manager.service",
    "Names=flame-session-manager.service",
    "MainPID=0",
    "SubState=dead",
    "ActiveState=inactive",
    "LoadState=loaded",
    "UnitFileState=enabled",
    "NeedDaemonReload=no",
    "",
  ].join("\n");
  assertEquals(fact.parse(daemonless, 0), {
    systemctl: true,
    units: new Map([["flame-session-manager", { enabled: "enabled", active: "inactive" }]]),
  });
  assertEquals(fact.parse("", 0), { systemctl: false, units: new Map() });
  assertEquals(fact.parse("systemctl\n", 0), { systemctl: true, units: new Map() });
});

Deno.test("unitStatesFact() asks systemctl once, for only the units that have a unit file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A systemctl that logs its arguments: one call at most, naming only units with a unit file.
    await Deno.writeTextFile(`${dir}/systemctl`, `#!/bin/sh\necho "$*" >> ${dir}/calls\n`, { mode: 0o755 });
    const fact = unitStatesFact(["ssh", "muster-no-such-unit"]);
    const output = await new Deno.Command("sh", {
      args: ["-c", fact.command],
      env: { PATH: `${dir}:/usr/bin:/bin` },
    }).output();
    assertEquals(new TextDecoder().decode(output.stdout), "systemctl\n");
    const calls = await Deno.readTextFile(`${dir}/calls`).catch(() => ""); // never called
    const hasSsh = await Deno.stat("/lib/systemd/system/ssh.service").then(() => true, () => false);
    assertEquals(calls, hasSsh ? "show ssh.service\n" : "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
