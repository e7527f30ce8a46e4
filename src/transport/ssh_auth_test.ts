import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { isEncryptedKey, lowerFirst } from "./ssh_auth.ts";

async function keygen(passphrase: string, type: string, format: string[] = []): Promise<string> {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "key");
    const output = await new Deno.Command("ssh-keygen", {
      args: ["-q", "-t", type, "-N", passphrase, ...format, "-f", file],
      stdout: "null",
      stderr: "null",
    }).output();
    if (!output.success) throw new Error("ssh-keygen failed");
    return await Deno.readTextFile(file);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("isEncryptedKey() tells OpenSSH keys with a passphrase from those without", async () => {
  assertEquals(isEncryptedKey(await keygen("", "ed25519")), false);
  assertEquals(isEncryptedKey(await keygen("secret", "ed25519")), true);
  assertEquals(isEncryptedKey(await keygen("", "ecdsa")), false);
});

Deno.test("isEncryptedKey() reads PEM headers", async () => {
  assertEquals(isEncryptedKey(await keygen("", "rsa", ["-m", "PEM"])), false);
  assertEquals(isEncryptedKey(await keygen("secret", "rsa", ["-m", "PEM"])), true);
  assertEquals(
    isEncryptedKey("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----"),
    true,
  );
  assertEquals(
    isEncryptedKey("-----BEGIN OPENSSH PRIVATE KEY-----\nAA==\n-----END OPENSSH PRIVATE KEY-----"),
    false,
  );
});

Deno.test("lowerFirst() lower-cases a leading capital word only", () => {
  assertEquals(lowerFirst("No such file"), "no such file");
  assertEquals(lowerFirst("ECONNREFUSED"), "ECONNREFUSED");
  assertEquals(lowerFirst(""), "");
});
