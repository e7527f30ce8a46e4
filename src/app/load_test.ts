import { deepStrictEqual as assertEquals, ok, rejects, throws as assertThrows } from "node:assert/strict";
import { InventoryError, UsageError } from "../engine/errors.ts";
import { builtinApps, loadApp, parseDefinition } from "./load.ts";

const text = await Deno.readTextFile(new URL("../../apps/flame/app.yaml", import.meta.url));

Deno.test("parseDefinition() reads Flame's app.yaml", () => {
  const app = parseDefinition(text, "app.yaml");
  assertEquals(app.name, "flame");
  assertEquals(app.vars_prefix, "flame_");
  assertEquals(Object.keys(app.profiles.of), ["control-plane", "worker", "cache", "client"]);
});

Deno.test("parseDefinition() names an unknown key with file:line:col and a 'did you mean'", () => {
  const bad = text.replace("    limit_nofile: 65536\n", "    limit_nofle: 65536\n");
  assertThrows(
    () => parseDefinition(bad, "apps/x/app.yaml"),
    (e: unknown) =>
      e instanceof InventoryError &&
      /^apps\/x\/app\.yaml:\d+:5: Invalid application definition at services\.0: unknown key 'limit_nofle', did you mean 'limit_nofile'\?/
        .test(e.message),
  );
});

Deno.test("parseDefinition() says what was expected, where", () => {
  const bad = text.replace('mode: "0700", holds: data', 'mode: "rwx", holds: data');
  assertThrows(
    () => parseDefinition(bad, "app.yaml"),
    /app\.yaml:\d+:\d+: Invalid application definition at layout\.10\.mode: a mode such as '0755'/,
  );
});

Deno.test("parseDefinition() refuses a profile naming an artifact the app does not have", () => {
  const bad = text.replace("artifacts: [flame-object-cache]", "artifacts: [flame-object-cach]");
  assertThrows(
    () => parseDefinition(bad, "app.yaml"),
    /Invalid application definition at profiles\.of\.cache\.artifacts\.0: 'flame-object-cach' is not one of the app's artifacts, did you mean 'flame-object-cache'\?/,
  );
});

Deno.test("parseDefinition() gives YAML syntax errors their position", () => {
  assertThrows(
    () => parseDefinition("name: [a\n", "app.yaml"),
    /^InventoryError: app\.yaml:\d+:\d+: Invalid application definition/,
  );
});

Deno.test("loadApp() knows the built-in apps and suggests one for a typo", async () => {
  ok(builtinApps().includes("flame"));
  await rejects(
    () => loadApp("flam"),
    (e: unknown) => e instanceof UsageError && /did you mean 'flame'/.test(e.message),
  );
  await rejects(() => loadApp("/nonexistent/app"), /has no app\.yaml/);
});

Deno.test("parseDefinition() refuses an artifact from cargo when the app builds nothing with cargo", () => {
  const bad = text.replace("  cargo: true\n", "  cargo: false\n");
  assertThrows(
    () => parseDefinition(bad, "app.yaml"),
    /Invalid application definition at artifacts\.flame-session-manager\.from: 'flame-session-manager' comes from cargo, but build\.cargo is not true/,
  );
});
