import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import { SERVICES } from "../../src/flame/components.ts";
import type { FlameSpec } from "../../src/flame/spec.ts";
import { unitFile } from "./units.ts";

function spec(prefix: string, profiles: FlameSpec["profiles"]): FlameSpec {
  return {
    prefix,
    profiles,
    clusterName: "flame",
    endpoint: "http://127.0.0.1:8080",
    cacheEndpoint: "grpc://127.0.0.1:9090",
    systemd: true,
    enable: true,
    clean: false,
    serviceUser: "flame",
    readyTimeoutS: 30,
    stamp: "20260101-000000",
  };
}

Deno.test("unitFile() writes RFE333's unit with FLAME_HOME, the config and an appended log", () => {
  const unit = unitFile({ ...spec("/opt/flame", ["control-plane"]), serviceUser: "flame" }, SERVICES[0]);
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
  const fem = SERVICES.find((s) => s.unit === "flame-executor-manager")!;
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
      await Deno.writeTextFile(`${prefix}/bin/${service.binary}`, "#!/bin/sh\n", { mode: 0o755 });
      await Deno.writeTextFile(
        `${unitDir}/${service.unit}.service`,
        unitFile(spec(prefix, ["control-plane", "worker", "cache"]), service),
      );
    }
    const out = await new Deno.Command("systemd-analyze", {
      args: ["verify", ...SERVICES.map((s) => `${unitDir}/${s.unit}.service`)],
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
