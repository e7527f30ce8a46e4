import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import { flame, flameSpec } from "../../src/app/testing.ts";
import { unitFile } from "./units.ts";

const SERVICES = flame.services;

function spec(prefix: string, profiles: string[]) {
  return flameSpec({ prefix, profiles, enable: true });
}

Deno.test("unitFile() writes RFE333's unit with FLAME_HOME, the config and an appended log", () => {
  const unit = unitFile(spec("/opt/flame", ["control-plane"]), SERVICES[0]);
  for (
    const line of [
      "User=flame",
      "Group=flame",
      'Environment="RUST_LOG=info"',
      'Environment="FLAME_HOME=/opt/flame"',
      "WorkingDirectory=/opt/flame/work",
      "ExecStart=/opt/flame/bin/flame-session-manager --config /opt/flame/conf/flame-cluster.yaml",
      "StandardOutput=append:/opt/flame/logs/fsm.log",
      "Restart=on-failure",
      "RestartSec=5s",
      "LimitNOFILE=65536",
      "WantedBy=multi-user.target",
    ]
  ) ok(unit.split("\n").includes(line), line);
});

Deno.test("unitFile() makes the executor manager require the session manager only where both run", () => {
  const fem = SERVICES.find((s) => s.name === "flame-executor-manager")!;
  const both = unitFile(spec("/opt/flame", ["control-plane", "worker"]), fem);
  match(both, /^Requires=flame-session-manager\.service$/m);
  match(both, /^After=network\.target flame-session-manager\.service$/m);
  const alone = unitFile(spec("/opt/flame", ["worker"]), fem);
  assertEquals(/Requires=/.test(alone), false);
  match(alone, /^After=network\.target$/m);
});

Deno.test("unitFile() output passes the real systemd-analyze verify", async () => {
  const prefix = await Deno.makeTempDir({ prefix: "flame-units-" });
  const unitDir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${prefix}/bin`);
    await Deno.mkdir(`${prefix}/work`);
    for (const service of SERVICES) {
      await Deno.writeTextFile(`${prefix}/bin/${service.name}`, "#!/bin/sh\n", { mode: 0o755 });
      await Deno.writeTextFile(
        `${unitDir}/${service.name}.service`,
        unitFile(spec(prefix, ["control-plane", "worker", "cache"]), service),
      );
    }
    const out = await new Deno.Command("systemd-analyze", {
      args: ["verify", ...SERVICES.map((s) => `${unitDir}/${s.name}.service`)],
      env: { SYSTEMD_LOG_LEVEL: "warning" },
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    // Only lines about our units count: the machine's own units may be noisy.
    const ours = stderr.split("\n").filter((line) => line.includes("flame-"));
    assertEquals(ours, []);
    assertEquals(out.code, 0, stderr);
  } finally {
    await Deno.remove(prefix, { recursive: true });
    await Deno.remove(unitDir, { recursive: true });
  }
});

Deno.test("unitFile() renders a service's own unit template, with the service and the app's variables", async () => {
  const { App } = await import("../../src/app/app.ts");
  const definition = structuredClone(flame.definition);
  definition.services![0].unit_template = "fsm.service.j2";
  const app = new App(definition, {
    dir: flame.dir,
    file: flame.file,
    templates: new Map([
      ["flame-cluster.yaml.j2", flame.template("flame-cluster.yaml.j2")],
      ["flmenv.sh.j2", flame.template("flmenv.sh.j2")],
      [
        "fsm.service.j2",
        "[Service]\nExecStart={{ flame_prefix }}/bin/{{ service.name }} --after '{{ service.after_here | join(' ') }}'\n",
      ],
    ]),
  });
  const unit = unitFile({ ...spec("/opt/flame", ["control-plane"]), app }, app.services[0]);
  assertEquals(unit, "[Service]\nExecStart=/opt/flame/bin/flame-session-manager --after ''\n");
});
