import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { isSecretKey, maskLine, maskSecrets } from "./mask.ts";

Deno.test("isSecretKey() knows secret-looking names and leaves others alone", () => {
  for (const name of ["password", "db_password", "PASSWD", "secret", "clientSecret", "token", "authToken"]) {
    assertEquals(isSecretKey(name), true, name);
  }
  for (const name of ["key", "api_key", "apiKey", "ssh-key", "AWS_ACCESS_KEY", "private_key", "pwd"]) {
    assertEquals(isSecretKey(name), true, name);
  }
  for (const name of ["name", "endpoint", "monkey", "keyboard", "storage", "network_interface", "keys_dir"]) {
    assertEquals(isSecretKey(name), false, name);
  }
});

Deno.test("maskLine() masks YAML values of secret keys, keeping quotes and comments", () => {
  assertEquals(maskLine("  token: abc123"), "  token: ********");
  assertEquals(maskLine('  password: "s3cr3t" # rotate'), '  password: "********" # rotate');
  assertEquals(maskLine("- api_key: 'k'"), "- api_key: '********'");
  assertEquals(maskLine("  secret: plain # note"), "  secret: ******** # note");
  assertEquals(maskLine('  endpoint: "http://127.0.0.1:8080"'), '  endpoint: "http://127.0.0.1:8080"');
});

Deno.test("maskLine() leaves a secret key that opens a block alone", () => {
  assertEquals(maskLine("secrets:"), "secrets:");
  assertEquals(maskLine("token: |"), "token: |");
});

Deno.test("maskLine() masks INI, env and systemd Environment= values", () => {
  assertEquals(maskLine("password = hunter2"), "password = ********");
  assertEquals(maskLine("export API_TOKEN=xyz"), "export API_TOKEN=********");
  assertEquals(
    maskLine('Environment="RUST_LOG=info" "DB_PASSWORD=pw" TOKEN=t'),
    'Environment="RUST_LOG=info" "DB_PASSWORD=********" TOKEN=********',
  );
  assertEquals(maskLine('Environment="FLAME_HOME=/opt/flame"'), 'Environment="FLAME_HOME=/opt/flame"');
});

Deno.test("maskLine() masks JSON pairs and passwords in URLs", () => {
  assertEquals(maskLine('{"user": "u", "token": "t\\"x"}'), '{"user": "u", "token": "********"}');
  assertEquals(
    maskLine('  endpoint: "http://admin:pw@10.0.0.1:8080"'),
    '  endpoint: "http://admin:********@10.0.0.1:8080"',
  );
});

Deno.test("maskSecrets() keeps the headers and markers of a unified diff", () => {
  const diff = [
    "--- /p/conf/flame-cluster.yaml\ton the host",
    "+++ /p/conf/flame-cluster.yaml\twanted",
    "@@ -1,3 +1,3 @@",
    " cluster:",
    "-  token: old-token",
    "+  token: new-token",
    "   name: flame",
  ].join("\n");
  assertEquals(
    maskSecrets(diff, { diff: true }),
    [
      "--- /p/conf/flame-cluster.yaml\ton the host",
      "+++ /p/conf/flame-cluster.yaml\twanted",
      "@@ -1,3 +1,3 @@",
      " cluster:",
      "-  token: ********",
      "+  token: ********",
      "   name: flame",
    ].join("\n"),
  );
});
