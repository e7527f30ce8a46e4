import { deepStrictEqual as assertEquals, match } from "node:assert/strict";
import { flame, flameSpec } from "../../src/app/testing.ts";
import { endpointAddress, waitFor } from "./wait.ts";

const SERVICES = flame.services;

function spec(endpoint: string, prefix: string) {
  return flameSpec({
    prefix,
    profiles: ["control-plane"],
    enable: true,
    readyTimeoutS: 1,
    vars: { flame_endpoint: endpoint },
  });
}

/** The session manager's readiness check, as the definition declares it. */
function readinessCheck(s: ReturnType<typeof spec>, service = SERVICES[0]): string {
  return waitFor(s, service, service.ready!);
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

Deno.test("waitFor() an HTTP check passes on the expected status and JSON field, and says what it got", async () => {
  let healthy = true;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => Response.json({ status: healthy ? "healthy" : "unhealthy" }, { status: healthy ? 200 : 503 }),
  );
  try {
    const url = `http://127.0.0.1:${server.addr.port}/health`;
    const check = { http: url, json: { status: "healthy" }, timeout: 1 };
    assertEquals((await sh(waitFor(spec(url, "/opt/flame"), SERVICES[0], check))).code, 0);
    healthy = false;
    const failed = await sh(waitFor(spec(url, "/opt/flame"), SERVICES[0], check));
    assertEquals(failed.code, 1);
    match(failed.stderr, /did not answer healthy on http:\/\/127\.0\.0\.1:\d+\/health within 1s/);
    match(failed.stderr, /answered HTTP 503, expected 200: \{"status":"unhealthy"\}/);
  } finally {
    await server.shutdown();
  }
});

Deno.test("waitFor() a command check passes when the command exits 0", async () => {
  const spec0 = spec("http://127.0.0.1:1", "/opt/flame");
  assertEquals((await sh(waitFor(spec0, SERVICES[0], { command: "true" }))).code, 0);
  const failed = await sh(waitFor(spec0, SERVICES[0], { command: "echo nope >&2; false", timeout: 0.5 }));
  assertEquals(failed.code, 1);
  match(failed.stderr, /nope/);
});
