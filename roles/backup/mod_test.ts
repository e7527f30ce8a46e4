import { runScript } from "../../src/engine/testing.ts";
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { applyScript, parseApplyOutput } from "../../src/engine/apply_script.ts";
import {
  backupScript,
  type BackupSpec,
  checkBackup,
  MANIFEST,
  parseBackupFacts,
  partialCleanup,
} from "./mod.ts";

/** Runs a backup through the real apply script (with its rollback), as apply does on a host. */
async function runBackup(spec: BackupSpec, env: Record<string, string> = {}) {
  const nonce = "t3st";
  const { script } = applyScript(
    [{
      changes: [{
        action: "create",
        target: spec.target,
        ops: [{ kind: "sh", script: backupScript(spec, spec.dirs) }],
      }],
      rollback: partialCleanup(spec),
    }],
    { nonce, stage: `${spec.prefix}.stage`, localSources: true },
  );
  const { code, stdout, stderr } = await runScript(script, env);
  return { code, stderr, outcome: parseApplyOutput(stdout, stderr, nonce) };
}

async function sh(script: string, cwd?: string): Promise<{ code: number; stdout: string }> {
  const out = await new Deno.Command("sh", { args: ["-c", script], cwd, stdout: "piped", stderr: "piped" })
    .output();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout) };
}

/** An installation with awkward names, modes, an empty directory and a symlink out of the prefix. */
async function makeTree(root: string): Promise<string> {
  const prefix = `${root}/flame`;
  for (const dir of ["conf", "data/cache", "data/packages", "data/empty", "logs", "bin"]) {
    await Deno.mkdir(`${prefix}/${dir}`, { recursive: true });
  }
  await Deno.mkdir(`${root}/outside`);
  await Deno.writeTextFile(`${root}/outside/secret`, "not in the prefix");
  await Deno.writeTextFile(`${prefix}/conf/flame-cluster.yaml`, "cluster:\n  name: flame\n");
  await Deno.writeFile(`${prefix}/data/cache/blob`, crypto.getRandomValues(new Uint8Array(50_000)));
  await Deno.writeTextFile(`${prefix}/data/odd\nname\twith tab`, "odd");
  await Deno.writeTextFile(`${prefix}/data/back\\slash 'quote'`, "bs");
  await Deno.writeTextFile(`${prefix}/data/sessions.db`, "db");
  await Deno.chmod(`${prefix}/data/sessions.db`, 0o600);
  await Deno.chmod(`${prefix}/data`, 0o700);
  await Deno.symlink(`${root}/outside`, `${prefix}/data/link-out`);
  await Deno.writeTextFile(`${prefix}/logs/fsm.log`, "started\n");
  return prefix;
}

Deno.test("backupScript() copies, writes a manifest of every file and verifies it", async () => {
  const root = await Deno.makeTempDir({ prefix: "muster-backup-" });
  try {
    const prefix = await makeTree(root);
    const spec = { prefix, dirs: ["conf", "data", "logs"], target: `${root}/flame.backup.20250101-120000` };
    const { code, stderr, outcome } = await runBackup(spec);
    assertEquals({ code, stderr: stderr.replace(/@@muster-t3st-step:0\n/g, "") }, { code: 0, stderr: "" });
    assertEquals(outcome.notes.get("backupDir"), spec.target);
    // Byte for byte, modes and symlinks (as links) included.
    assertEquals(
      (await sh(`diff -r --no-dereference ${prefix}/data ${spec.target}/data && echo same`)).stdout,
      "same\n",
    );
    assertEquals((await Deno.lstat(`${spec.target}/data/link-out`)).isSymlink, true);
    assertEquals((await Deno.stat(`${spec.target}/data/sessions.db`)).mode! & 0o777, 0o600);
    assertEquals((await Deno.stat(spec.target)).mode! & 0o777, 0o700);
    // The manifest checks the backup, and (same relative paths) a restored prefix.
    assertEquals((await sh(`sha256sum --quiet -c ${MANIFEST.sha256}`, spec.target)).code, 0);
    assertEquals((await sh(`sha256sum --quiet -c ${spec.target}/${MANIFEST.sha256}`, prefix)).code, 0);
    const tsv = (await Deno.readTextFile(`${spec.target}/${MANIFEST.tsv}`)).trimEnd().split("\n");
    assertEquals(tsv[0], "# path\tsize\tmode\tsha256");
    assertEquals(tsv.length - 1, 6);
    assert(
      tsv.includes(
        `data/sessions.db\t2\t0600\t${
          (await sh(`sha256sum < ${prefix}/data/sessions.db`)).stdout.slice(0, 64)
        }`,
      ),
    );
    assert(!tsv.some((line) => line.includes("secret")), "files behind a symlink are not in the manifest");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("backupScript() fails and removes the copy when it does not match the originals", async () => {
  const root = await Deno.makeTempDir({ prefix: "muster-backup-" });
  try {
    const prefix = await makeTree(root);
    // A cp that corrupts what it copies: the verification must notice.
    await Deno.mkdir(`${root}/fakebin`);
    await Deno.writeTextFile(
      `${root}/fakebin/cp`,
      `#!/bin/sh\n/bin/cp "$@" || exit $?\nfor a; do t="$a"; done\nprintf x >> "$t/conf/flame-cluster.yaml"\n`,
    );
    await Deno.chmod(`${root}/fakebin/cp`, 0o755);
    const spec = { prefix, dirs: ["conf", "data"], target: `${root}/backup` };
    const { code, stderr, outcome } = await runBackup(spec, {
      PATH: `${root}/fakebin:${Deno.env.get("PATH")}`,
    });
    assert(code !== 0);
    assert(!outcome.done);
    assert(
      /Backup verification failed in .*: checksums differ:\s+conf\/flame-cluster.yaml: FAILED/.test(stderr),
      stderr,
    );
    assert(/the incomplete backup in .* was removed; nothing was deleted/.test(stderr), stderr);
    await Deno.stat(spec.target).then(() => assert(false, "backup dir left behind"), () => {});
    assertEquals(await Deno.readTextFile(`${prefix}/conf/flame-cluster.yaml`), "cluster:\n  name: flame\n");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("backupScript() fails when the target cannot be written, and leaves the originals", async () => {
  const root = await Deno.makeTempDir({ prefix: "muster-backup-" });
  try {
    const prefix = await makeTree(root);
    await Deno.writeTextFile(`${root}/not-a-dir`, "");
    const spec = { prefix, dirs: ["conf", "data", "logs"], target: `${root}/not-a-dir/backup` };
    const { code, stderr } = await runBackup(spec);
    assert(code !== 0);
    assert(/Not a directory/.test(stderr), stderr);
    assertEquals((await sh(`ls ${prefix}`)).stdout, "bin\nconf\ndata\nlogs\n");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("backupScript() never writes into a backup directory that is not empty", async () => {
  const root = await Deno.makeTempDir({ prefix: "muster-backup-" });
  try {
    const prefix = await makeTree(root);
    await Deno.mkdir(`${root}/old/conf`, { recursive: true });
    await Deno.writeTextFile(`${root}/old/conf/keep`, "old backup");
    const { code, stderr } = await runBackup({ prefix, dirs: ["conf"], target: `${root}/old` });
    assert(code !== 0);
    assert(/already exists and is not empty/.test(stderr), stderr);
    assertEquals(await Deno.readTextFile(`${root}/old/conf/keep`), "old backup");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("parseBackupFacts() reads sizes, the target and free space", () => {
  const b64 = (text: string) => btoa(text);
  const found = parseBackupFacts(
    `size:conf:8\nsize:data:1024\ntarget:${b64("/var/b")}\nprefix:${
      b64("/opt/flame")
    }\nkind:\nentries:\nfree:5000\n`,
  );
  assertEquals(found, {
    sizes: new Map([["conf", 8], ["data", 1024]]),
    targetResolved: "/var/b",
    prefixResolved: "/opt/flame",
    targetEntries: 0,
    freeKib: 5000,
  });
  checkBackup({ prefix: "/opt/flame", dirs: ["conf", "data"], target: "/var/b" }, found);
});
