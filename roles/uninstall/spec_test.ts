import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { flame } from "../../src/app/testing.ts";
import { UsageError } from "../../src/engine/errors.ts";
import { checkBackupDir, checkUninstallPrefix, normalize, toBackUp } from "./spec.ts";

const refused = (prefix: string, message: RegExp) =>
  assertThrows(() => checkUninstallPrefix(prefix, flame), (error: unknown) => {
    return error instanceof UsageError && error.exitCode === 1 && message.test(error.message);
  });

Deno.test("checkUninstallPrefix() accepts an absolute path with flame and drops a trailing slash", () => {
  assertEquals(checkUninstallPrefix("/usr/local/flame/", flame), "/usr/local/flame");
  assertEquals(checkUninstallPrefix("/var/tmp/my-Flame.2", flame), "/var/tmp/my-Flame.2");
});

Deno.test("checkUninstallPrefix() refuses system paths, also through '..'", () => {
  refused("/", /system path/);
  refused("/usr", /system path/);
  refused("/usr/", /system path/);
  refused("/etc", /system path/);
  refused("/opt/flame/../../usr", /resolves|system path '\/usr'/);
  refused("/opt/flame/..", /system path '\/opt'/);
  refused("//usr", /system path/);
});

Deno.test("checkUninstallPrefix() refuses relative, unnormalized and hostile prefixes", () => {
  refused("flame", /not an absolute path/);
  refused("./flame", /not an absolute path/);
  refused("/opt/flame/./x", /not a normalized path/);
  refused("/opt/flame/../flame", /not a normalized path/);
  refused("/opt/flame; rm -rf /", /characters/);
  refused("/opt/$(id)flame", /characters/);
  refused("/opt/fla me", /characters/);
});

Deno.test("checkUninstallPrefix() refuses a prefix without 'flame'", () => {
  refused("/opt/myapp", /does not contain 'flame'/);
});

Deno.test("checkBackupDir() refuses a backup inside or around the prefix", () => {
  assertEquals(checkBackupDir("/var/backups/flame/", "/opt/flame"), "/var/backups/flame");
  assertThrows(() => checkBackupDir("/opt/flame/backup", "/opt/flame"), /overlaps/);
  assertThrows(() => checkBackupDir("/opt/flame", "/opt/flame"), /overlaps/);
  assertThrows(() => checkBackupDir("/opt", "/opt/flame"), /system path/);
  assertThrows(() => checkBackupDir("/srv/x", "/srv/x/flame"), /overlaps/);
  assertThrows(
    () => checkBackupDir("backups", "/opt/flame"),
    /Invalid backup directory: 'backups' is not an absolute/,
  );
});

Deno.test("normalize() resolves '.', '..' and repeated slashes", () => {
  assertEquals(normalize("/opt/flame/../../usr"), "/usr");
  assertEquals(normalize("/../.."), "/");
  assertEquals(normalize("//a/./b/"), "/a/b");
});

Deno.test("toBackUp() lists conf, data and logs unless preserved", () => {
  const spec = { prefix: "/opt/flame", removeUser: false, serviceUser: "flame", app: flame, vars: {} };
  assertEquals(toBackUp({ ...spec, preserve: { data: false, conf: false, logs: false } }), [
    "conf",
    "data",
    "logs",
  ]);
  assertEquals(toBackUp({ ...spec, preserve: { data: true, conf: false, logs: true } }), ["conf"]);
});
