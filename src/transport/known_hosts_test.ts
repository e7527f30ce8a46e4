import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import {
  checkHostKey,
  fingerprint,
  formatKnownHostsLine,
  keyTypeOf,
  knownHostsName,
  knownKeyTypes,
  matchesHost,
  parseKnownHosts,
  verifyHostKey,
} from "./known_hosts.ts";

// Real keys, and the lines `ssh-keygen -H` made of them.
const KEY_A = "AAAAC3NzaC1lZDI1NTE5AAAAIJmny4oNftPT+1F+zhloxwns/NlnbzG1eEjVtT9/Aqlp";
const KEY_B = "AAAAC3NzaC1lZDI1NTE5AAAAII1T/HZzonadNpR40yI0WF4tkso3lEHOB3093180Tfpc";
const HASHED_A = "|1|8g2Oa0k2jOx8mJVAifqqZ4jSY8M=|J74LMEmcF5YGpKLPeB9HbeJVxtI="; // [127.0.0.2]:2299
const HASHED_B = "|1|TeJm+b0Qyx2BCdw5WDmjsAH9X/E=|A0jZzEAwJj4T9azHuXJF1GAeJS0="; // example.com

const blob = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

/** A fake public key blob of another type. */
function blobOfType(type: string, body: number[]): Uint8Array {
  const name = new TextEncoder().encode(type);
  return new Uint8Array([0, 0, 0, name.length, ...name, 0, 0, 0, body.length, ...body]);
}

Deno.test("knownHostsName() uses [address]:port unless the port is 22", () => {
  assertEquals(knownHostsName("Web1.Example.com", 22), "web1.example.com");
  assertEquals(knownHostsName("127.0.0.2", 2222), "[127.0.0.2]:2222");
});

Deno.test("parseKnownHosts() reads plain, hashed and marked lines and skips the rest", () => {
  const text = [
    "# comment",
    "",
    `example.com,10.0.0.1 ssh-ed25519 ${KEY_B} a comment`,
    `${HASHED_A} ssh-ed25519 ${KEY_A}`,
    `@revoked * ssh-ed25519 ${KEY_B}`,
    `@cert-authority *.example.com ssh-ed25519 ${KEY_A}`,
    "@unknown-marker host ssh-ed25519 AAAA",
    "truncated-line ssh-ed25519",
    "bad-base64 ssh-ed25519 !!!",
    `   indented ssh-ed25519 ${KEY_A}   `,
  ].join("\n");
  const entries = parseKnownHosts(text);
  assertEquals(entries.map((e) => [e.line, e.marker, e.hosts]), [
    [3, undefined, "example.com,10.0.0.1"],
    [4, undefined, HASHED_A],
    [5, "revoked", "*"],
    [6, "cert-authority", "*.example.com"],
    [10, undefined, "indented"],
  ]);
  assertEquals(entries[0].key, blob(KEY_B));
  assertEquals(entries[0].keyType, "ssh-ed25519");
});

Deno.test("matchesHost() checks hashed names made by ssh-keygen -H", () => {
  assert(matchesHost(HASHED_A, "[127.0.0.2]:2299"));
  assert(!matchesHost(HASHED_A, "127.0.0.2"));
  assert(matchesHost(HASHED_B, "example.com"));
  assert(!matchesHost(HASHED_B, "example.org"));
  assert(!matchesHost("|1|not base64!|x", "example.com"));
});

Deno.test("matchesHost() handles lists, wildcards, negation and case", () => {
  assert(matchesHost("a.example.com,b.example.com", "b.example.com"));
  assert(matchesHost("*.EXAMPLE.com", "web1.example.com"));
  assert(matchesHost("web?.example.com", "web1.example.com"));
  assert(!matchesHost("web?.example.com", "web10.example.com"));
  assert(!matchesHost("*.example.com,!db.example.com", "db.example.com"));
  assert(matchesHost("[127.0.0.2]:2222", "[127.0.0.2]:2222"));
  assert(!matchesHost("[127.0.0.2]:2222", "127.0.0.2"));
  assert(!matchesHost("a.b.c", "aXb.c"), "dots are literal");
});

Deno.test("checkHostKey() tells known, new, changed and revoked keys apart", () => {
  const entries = parseKnownHosts([
    `example.com ssh-ed25519 ${KEY_B}`,
    `${HASHED_A} ssh-ed25519 ${KEY_A}`,
    `rsa-only.example.com ssh-rsa ${KEY_A}`,
    `@revoked * ssh-ed25519 ${KEY_B}`,
  ].join("\n"));
  assertEquals(checkHostKey(entries, "[127.0.0.2]:2299", blob(KEY_A)), { status: "known", line: 2 });
  assertEquals(checkHostKey(entries, "other.example.com", blob(KEY_A)), { status: "new" });
  assertEquals(checkHostKey(entries, "[127.0.0.2]:2299", blob(KEY_B)), { status: "revoked", line: 4 });
  const other = blobOfType("ssh-ed25519", [1, 2, 3]);
  assertEquals(checkHostKey(entries, "example.com", other), {
    status: "changed",
    line: 1,
    keyType: "ssh-ed25519",
  });
  // Known only by a key of another type: treated as changed, not new.
  assertEquals(checkHostKey(entries, "rsa-only.example.com", other), {
    status: "changed",
    line: 3,
    keyType: "ssh-rsa",
  });
});

Deno.test("knownKeyTypes() lists the key types recorded for a host", () => {
  const entries = parseKnownHosts([
    `h ssh-ed25519 ${KEY_A}`,
    `h ssh-rsa ${KEY_B}`,
    `h ssh-ed25519 ${KEY_B}`,
    `@cert-authority h ecdsa-sha2-nistp256 ${KEY_B}`,
    `other ecdsa-sha2-nistp256 ${KEY_B}`,
  ].join("\n"));
  assertEquals(knownKeyTypes(entries, "h"), ["ssh-ed25519", "ssh-rsa"]);
});

Deno.test("keyTypeOf(), fingerprint() and formatKnownHostsLine() match OpenSSH", () => {
  assertEquals(keyTypeOf(blob(KEY_A)), "ssh-ed25519");
  // `ssh-keygen -lf` of KEY_A's public key file.
  assertEquals(fingerprint(blob(KEY_A)), "SHA256:DRqXbVlB6wragZGfxPDYlcJKOd5uQKNHbS2YFHWilrI");
  assertEquals(
    formatKnownHostsLine("[127.0.0.2]:2299", blob(KEY_A)),
    `[127.0.0.2]:2299 ssh-ed25519 ${KEY_A}`,
  );
});

Deno.test("verifyHostKey() creates the file, appends a new host once and keeps existing lines", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "ssh", "known_hosts");
    const results = await Promise.all(
      Array.from({ length: 5 }, () => verifyHostKey(file, "[127.0.0.2]:2299", blob(KEY_A))),
    );
    assertEquals(results.map((r) => r.status).sort(), ["known", "known", "known", "known", "new"]);
    assertEquals(await Deno.readTextFile(file), `[127.0.0.2]:2299 ssh-ed25519 ${KEY_A}\n`);
    assertEquals((await Deno.stat(file)).mode! & 0o777, 0o600);
    assertEquals((await Deno.stat(join(dir, "ssh"))).mode! & 0o777, 0o700);

    await Deno.writeTextFile(file, `example.com ssh-ed25519 ${KEY_B}`); // no final newline
    assertEquals((await verifyHostKey(file, "example.org", blob(KEY_B))).status, "new");
    assertEquals(
      await Deno.readTextFile(file),
      `example.com ssh-ed25519 ${KEY_B}\nexample.org ssh-ed25519 ${KEY_B}\n`,
    );

    const changed = await verifyHostKey(file, "example.com", blob(KEY_A));
    assertEquals(changed, { status: "changed", line: 1, keyType: "ssh-ed25519" });
    assertEquals((await Deno.readTextFile(file)).split("\n").length, 3, "a changed key is not recorded");

    const untouched = join(dir, "untouched");
    assertEquals((await verifyHostKey(untouched, "h", blob(KEY_A), { acceptNew: false })).status, "new");
    await Deno.stat(untouched).then(() => assert(false, "file created"), () => {});
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
