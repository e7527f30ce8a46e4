import { deepStrictEqual as assertEquals, match } from "node:assert/strict";
import { SERVICES } from "../../src/flame/components.ts";
import type { FlameSpec } from "../../src/flame/spec.ts";
import { endpointAddress, readinessCheck } from "./wait.ts";

function spec(endpoint: string, prefix: string): FlameSpec {
  return {
    prefix,
    profiles: ["control-plane"],
    clusterName: "flame",
    endpoint,
    cacheEndpoint: "grpc://127.0.0.1:9090",
    systemd: true,
    enable: true,
    clean: false,
    serviceUser: "flame",
    readyTimeoutS: 1,
    stamp: "20260101-000000",
  };
}

async function sh(script: string) {
  const out = await new Deno.Command("sh", { args: ["-c", script], stderr: "piped", stdout: "piped" })
    .output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("endpointAddress() reaches a wildcard host on loopback", () => {
  assertEquals(endpointAddress("http://10.1.2.3:8080"), { host: "10.1.2.3", port: 8080 });
  assertEquals(endpointAddress("http://0.0.0.0:9000"), { host: "127.0.0.1", port: 9000 });
});

Deno.test("readinessCheck() passes once something accepts connections on the endpoint", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const { port } = listener.addr as Deno.NetAddr;
    const result = await sh(readinessCheck(spec(`http://127.0.0.1:${port}`, "/opt/flame"), SERVICES[0]));
    assertEquals(result.code, 0, result.stderr);
  } finally {
    listener.close();
  }
});

Deno.test("readinessCheck() gives up after the timeout, saying where it waited and showing the log", async () => {
  const prefix = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${prefix}/logs`);
    await Deno.writeTextFile(`${prefix}/logs/fsm.log`, "bind: permission denied\n");
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const { port } = listener.addr as Deno.NetAddr;
    listener.close();
    const result = await sh(readinessCheck(spec(`http://127.0.0.1:${port}`, prefix), SERVICES[0]));
    assertEquals(result.code, 1);
    match(
      result.stderr,
      new RegExp(`flame-session-manager did not accept connections on 127\\.0\\.0\\.1:${port} within 1s`),
    );
    match(result.stderr, /bind: permission denied/);
  } finally {
    await Deno.remove(prefix, { recursive: true });
  }
});
