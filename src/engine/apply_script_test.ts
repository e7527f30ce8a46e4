import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { applyScript, hostClockMs, parseApplyOutput, stepDurations } from "./apply_script.ts";
import { shOp, writeOp } from "./change.ts";
import { runScript as run } from "./testing.ts";

function unit(...scripts: string[]) {
  return { changes: [{ action: "change" as const, target: "t", ops: scripts.map(shOp) }] };
}

Deno.test("applyScript() runs every step in order and reports done, warnings, notes and exit floors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { script } = applyScript([
      unit(`echo one >> ${dir}/log`, "muster_warn 'service would not stop'"),
      unit(`echo two >> ${dir}/log`, "muster_note backupDir /b/x", "muster_exit_at_least 3"),
    ], { nonce: "n", stage: `${dir}/stage`, localSources: true });
    const result = await run(script);
    const outcome = parseApplyOutput(result.stdout, result.stderr, "n");
    assertEquals(result.code, 0);
    assertEquals(await Deno.readTextFile(`${dir}/log`), "one\ntwo\n");
    assertEquals(outcome.done, true);
    assertEquals(outcome.warnings.get(0), ["service would not stop"]);
    assertEquals(outcome.notes.get("backupDir"), "/b/x");
    assertEquals(outcome.exitAtLeast.get(1), 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("applyScript() stops at the first failing op, pins it to its step, and rolls back started steps", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { script } = applyScript([
      { ...unit(`touch ${dir}/first`), rollback: `rm -f ${dir}/first; echo rolled > ${dir}/rolled` },
      unit("echo 'disk full' >&2; false", `touch ${dir}/never`),
      unit(`touch ${dir}/later`),
    ], { nonce: "n", stage: `${dir}/stage`, localSources: true });
    const result = await run(script);
    const outcome = parseApplyOutput(result.stdout, result.stderr, "n");
    ok(result.code !== 0);
    assertEquals(outcome.done, false);
    assertEquals(outcome.lastStep, 1);
    assertEquals(outcome.stepStderr, "disk full");
    assertEquals((await Deno.readTextFile(`${dir}/rolled`)).trim(), "rolled");
    for (const name of ["first", "never", "later"]) {
      assertEquals(await Deno.stat(`${dir}/${name}`).then(() => true, () => false), false, name);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("applyScript() moves uploaded files into place atomically with their mode, and cleans the stage", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0xff]); // binary: uploaded
    const { script, uploads } = applyScript([{
      changes: [{
        action: "create",
        target: "f",
        ops: [{ kind: "upload", source: data, sha256: "abc", dest: `${dir}/dest file`, mode: 0o640 }],
      }],
    }], { nonce: "n", stage: `${dir}/stage`, localSources: true });
    assertEquals(uploads.length, 1);
    await Deno.mkdir(`${dir}/stage`);
    await Deno.writeFile(uploads[0].stagePath, data);
    const result = await run(script);
    assertEquals(result.code, 0, result.stderr);
    assertEquals(await Deno.readFile(`${dir}/dest file`), data);
    assertEquals((await Deno.stat(`${dir}/dest file`)).mode! & 0o777, 0o640);
    assertEquals(await Deno.stat(`${dir}/stage`).then(() => true, () => false), false);
    assertEquals(await Deno.stat(`${dir}/dest file.muster-tmp`).then(() => true, () => false), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("applyScript() renames a staged file into its last place, and never moves the user's own file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 2]); // binary, so uploaded
    const own = `${dir}/own`;
    await Deno.writeFile(own, data);
    const put = (source: string | Uint8Array, sha256: string, dest: string) => ({
      kind: "upload" as const,
      source,
      sha256,
      dest: `${dir}/${dest}`,
      mode: 0o755,
    });
    const { script, uploads } = applyScript([{
      changes: [{
        action: "create",
        target: "bin",
        ops: [
          put(data, "a", "first"),
          put(data, "a", "second"),
          put(own, "b", "third"),
          put(own, "b", "fourth"),
        ],
      }],
    }], { nonce: "n", stage: `${dir}/stage`, localSources: true });
    assertEquals(uploads.length, 1, "the user's file is used in place, not uploaded");
    await Deno.mkdir(`${dir}/stage`);
    await Deno.writeFile(uploads[0].stagePath, data);
    const stagedInode = (await Deno.stat(uploads[0].stagePath)).ino;
    const result = await run(script);
    assertEquals(result.code, 0, result.stderr);
    for (const name of ["first", "second", "third", "fourth"]) {
      assertEquals(await Deno.readFile(`${dir}/${name}`), data);
    }
    assertEquals((await Deno.stat(`${dir}/second`)).ino, stagedInode, "the last use is a rename");
    assertEquals((await Deno.stat(`${dir}/first`)).ino === stagedInode, false, "earlier uses are copies");
    assertEquals(await Deno.readFile(own), data, "the user's file stays where it is");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("applyScript() places uploads in a row together: all of them, or none if one fails", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a`, "old a");
    const put = (source: string, dest: string, mode: number) => ({
      kind: "upload" as const,
      source: `${dir}/${source}`,
      sha256: source,
      dest: `${dir}/${dest}`,
      mode,
    });
    await Deno.writeTextFile(`${dir}/new-a`, "new a");
    await Deno.writeTextFile(`${dir}/new-b`, "new b");
    const script = (second: string) =>
      applyScript([{
        changes: [{ action: "change", target: "a", ops: [put("new-a", "a", 0o640)] }, {
          action: "create",
          target: "b",
          ops: [put(second, "b", 0o700)],
        }],
      }], { nonce: "n", stage: `${dir}/stage`, localSources: true }).script;
    const failed = await run(script("missing"));
    assertEquals(failed.code === 0, false);
    assertEquals(await Deno.readTextFile(`${dir}/a`), "old a", "nothing replaced when one file fails");
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".muster-tmp")), []);
    const done = await run(script("new-b"));
    assertEquals(done.code, 0, done.stderr);
    assertEquals(await Deno.readTextFile(`${dir}/a`), "new a");
    assertEquals((await Deno.stat(`${dir}/a`)).mode! & 0o777, 0o640);
    assertEquals((await Deno.stat(`${dir}/b`)).mode! & 0o777, 0o700);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("applyScript() writes small texts itself, byte for byte, instead of uploading them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const texts = ['it\'s "quoted" $(touch x) `y` \\ ünï ✓\nno final newline', "", "line\n\n"];
    const { script, uploads } = applyScript([{
      changes: texts.map((text, i) => ({
        action: "create" as const,
        target: `t${i}`,
        ops: [{
          kind: "upload" as const,
          source: new TextEncoder().encode(text),
          sha256: `s${i}`,
          dest: `${dir}/t${i}`,
          mode: 0o644,
        }],
      })),
    }], { nonce: "n", stage: `${dir}/stage`, localSources: false });
    assertEquals(uploads, []);
    const result = await run(script);
    assertEquals(result.code, 0, result.stderr);
    for (const [i, text] of texts.entries()) assertEquals(await Deno.readTextFile(`${dir}/t${i}`), text);
    assertEquals(await Deno.stat(`${dir}/x`).then(() => true, () => false), false, "nothing in the text ran");
    assertEquals(await Deno.stat(`${dir}/stage`).then(() => true, () => false), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("applyScript() sets modes and owners in the stage, never through a link put beside a target", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Someone who may write in the targets' directory left links where the files go first.
    await Deno.writeTextFile(`${dir}/precious`, "keep me");
    await Deno.chmod(`${dir}/precious`, 0o644);
    await Deno.symlink(`${dir}/precious`, `${dir}/conf.muster-tmp`);
    await Deno.symlink(`${dir}/precious`, `${dir}/tool.muster-tmp`);
    const data = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 3]);
    const { uid, gid } = await Deno.stat(dir);
    const { script, uploads } = applyScript([{
      changes: [{
        action: "create",
        target: "conf",
        ops: [
          {
            kind: "upload",
            source: new TextEncoder().encode("new"),
            sha256: "s",
            dest: `${dir}/conf`,
            mode: 0o600,
          },
          {
            kind: "upload",
            source: data,
            sha256: "b",
            dest: `${dir}/tool`,
            mode: 0o700,
            owner: `${uid}`,
            group: `${gid}`,
          },
        ],
      }],
    }], { nonce: "n", stage: `${dir}/stage`, localSources: false });
    const changed = script.split("\n").filter((line) => /\b(chmod|chown) /.test(line))
      .flatMap((line) => line.split(/\s+/)).map((word) => word.replace(/^'|'$/g, ""))
      .filter((word) => word.startsWith(`${dir}/`));
    ok(changed.length >= 3, changed.join(" "));
    for (const path of changed) {
      ok(path.startsWith(`${dir}/stage/`), `chmod and chown stay in the stage: ${path}`);
    }
    await Deno.mkdir(`${dir}/stage`, { mode: 0o700 });
    await Deno.writeFile(uploads[0].stagePath, data);
    const result = await run(script);
    assertEquals(result.code, 0, result.stderr);
    assertEquals(await Deno.readTextFile(`${dir}/conf`), "new");
    assertEquals((await Deno.lstat(`${dir}/conf`)).isFile, true);
    assertEquals((await Deno.stat(`${dir}/conf`)).mode! & 0o777, 0o600);
    assertEquals(await Deno.readFile(`${dir}/tool`), data);
    assertEquals((await Deno.stat(`${dir}/tool`)).mode! & 0o777, 0o700);
    assertEquals(await Deno.readTextFile(`${dir}/precious`), "keep me");
    assertEquals((await Deno.stat(`${dir}/precious`)).mode! & 0o777, 0o644);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("applyScript() runs only the last of the ops that write one file whole", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const record = `${dir}/record`;
    const { script } = applyScript([
      { changes: [{ action: "change", target: "a", ops: [writeOp(`echo first >> ${record}`, record)] }] },
      unit(`echo other >> ${dir}/other`),
      {
        changes: [{
          action: "change",
          target: "b",
          ops: [
            writeOp(`echo second >> ${record}`, record),
            writeOp(`echo elsewhere >> ${dir}/x`, `${dir}/x`),
          ],
        }],
      },
    ], { nonce: "n", stage: `${dir}/stage`, localSources: true });
    const result = await run(script);
    assertEquals(result.code, 0, result.stderr);
    assertEquals(await Deno.readTextFile(record), "second\n");
    assertEquals(await Deno.readTextFile(`${dir}/x`), "elsewhere\n");
    assertEquals(await Deno.readTextFile(`${dir}/other`), "other\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("applyScript() times each step by the host's clock, the failing one until the script ends", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { script } = applyScript([
      unit("sleep 0.3"),
      unit("true"),
      unit("sleep 0.2", "muster_category health", "echo unhealthy >&2; false"),
    ], { nonce: "n", stage: `${dir}/stage`, localSources: true });
    const result = await run(script);
    const outcome = parseApplyOutput(result.stdout, result.stderr, "n");
    const durations = stepDurations(outcome);
    ok(durations.get(0)! >= 280 && durations.get(0)! < 1500, `step 0: ${durations.get(0)}`);
    ok(durations.get(1)! < 200, `step 1: ${durations.get(1)}`);
    ok(durations.get(2)! >= 180, `step 2: ${durations.get(2)}`);
    assertEquals(outcome.categories.get(2), "health");
    assertEquals(outcome.stepStderr, "unhealthy");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("applyScript() runs a started step's finally at the end, on success and after rollbacks", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const failing of [false, true]) {
      const { script } = applyScript([
        { ...unit("muster_held=1"), finally: `echo "held=$muster_held rc=$muster_rc" >> ${dir}/log` },
        { ...unit(failing ? "false" : "true"), rollback: `echo rolled >> ${dir}/log` },
      ], { nonce: "n", stage: `${dir}/stage`, localSources: true });
      await run(script);
    }
    assertEquals(await Deno.readTextFile(`${dir}/log`), "held=1 rc=0\nrolled\nheld=1 rc=1\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("applyScript() removes the file a finally leaves in muster_remove_last with its stage, in one rm, on success and failure", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const shims = `${dir}/shims`;
    await Deno.mkdir(shims);
    await Deno.writeTextFile(`${shims}/rm`, `#!/bin/sh\necho "$*" >> ${shims}/rm.log\nexec /bin/rm "$@"\n`, {
      mode: 0o755,
    });
    for (const failing of [false, true]) {
      await Deno.mkdir(`${dir}/stage`);
      await Deno.writeTextFile(`${dir}/my lock`, "held");
      const { script } = applyScript([
        { ...unit(failing ? "false" : "true"), finally: `muster_remove_last="${dir}/my lock"` },
      ], { nonce: "n", stage: `${dir}/stage`, localSources: true });
      assertEquals((await run(script, { PATH: `${shims}:${Deno.env.get("PATH")}` })).code, failing ? 1 : 0);
      for (const gone of ["stage", "my lock"]) {
        assertEquals(await Deno.stat(`${dir}/${gone}`).then(() => true, () => false), false, gone);
      }
    }
    // Once each time, for both; and a variable of the environment is not taken for one.
    assertEquals((await Deno.readTextFile(`${shims}/rm.log`)).split("\n").filter(Boolean).length, 2);
    await Deno.writeTextFile(`${dir}/keep`, "mine");
    const { script } = applyScript([unit("true")], { nonce: "n", stage: `${dir}/stage`, localSources: true });
    await run(script, { muster_remove_last: `${dir}/keep` });
    assertEquals(await Deno.readTextFile(`${dir}/keep`), "mine");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("applyScript() with mergeStderr keeps the failing step's words, from standard output", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { script } = applyScript([unit("echo fine"), unit("echo 'disk full' >&2; false")], {
      nonce: "n",
      stage: `${dir}/stage`,
      localSources: true,
      mergeStderr: true,
    });
    const result = await run(script);
    const outcome = parseApplyOutput(result.stdout, result.stderr, "n", { merged: true });
    assertEquals(outcome.lastStep, 1);
    assertEquals(outcome.stepStderr, "disk full");
    ok(result.stdout.includes("fine\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hostClockMs() reads nanoseconds, and seconds where %N is not supported", () => {
  assertEquals(hostClockMs("u12345.67"), 12345670);
  assertEquals(hostClockMs("u7"), 7000);
  assertEquals(hostClockMs("1700000000123000000"), 1700000000123);
  assertEquals(hostClockMs("1700000000N"), 1700000000000);
  assertEquals(hostClockMs("1700000000%N"), 1700000000000);
  assertEquals(hostClockMs("soon"), undefined);
});

Deno.test("applyScript() told the host's uid (from its facts) starts no id of its own", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/id`, `#!/bin/sh\necho called >> ${dir}/id.log\nexit 1\n`, {
      mode: 0o755,
    });
    const { script } = applyScript([unit(`echo "$muster_uid" > ${dir}/uid`)], {
      nonce: "n",
      stage: `${dir}/stage`,
      localSources: true,
      uid: 4321,
    });
    const result = await run(script, { PATH: `${dir}:${Deno.env.get("PATH")}` });
    assertEquals(result.code, 0, result.stderr);
    assertEquals(await Deno.readTextFile(`${dir}/uid`), "4321\n");
    assertEquals(await Deno.stat(`${dir}/id.log`).then(() => true, () => false), false, "id was not started");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Two uploads into one directory and a text into another, their script, and a shim `mv` that logs. */
async function placing(dir: string, stage: string) {
  await Deno.mkdir(`${dir}/bin`);
  await Deno.mkdir(`${dir}/conf`);
  await Deno.writeTextFile(`${dir}/bin/tool`, "old tool");
  const data = (n: number) => new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, n]);
  const upload = (dest: string, n: number) => ({
    kind: "upload" as const,
    source: data(n),
    sha256: `s${n}`,
    dest: `${dir}/${dest}`,
    mode: 0o755,
  });
  const text = new TextEncoder().encode("key: value\n");
  const { script, uploads } = applyScript([{
    changes: [{ action: "change", target: "tools", ops: [upload("bin/tool", 1), upload("bin/other", 2)] }],
  }, {
    changes: [{
      action: "create",
      target: "conf",
      ops: [{ kind: "upload", source: text, sha256: "t", dest: `${dir}/conf/c.yaml`, mode: 0o644 }],
    }],
  }], { nonce: "n", stage, localSources: false });
  await Deno.mkdir(stage, { mode: 0o700 });
  for (const [i, upload] of uploads.entries()) await Deno.writeFile(upload.stagePath, data(i + 1));
  const shims = `${dir}/shims`;
  await Deno.mkdir(shims);
  await Deno.writeTextFile(`${shims}/mv`, `#!/bin/sh\necho "mv $*" >> ${dir}/mv.log\nexec /bin/mv "$@"\n`);
  await Deno.chmod(`${shims}/mv`, 0o755);
  const staged = await Promise.all(uploads.map((upload) => Deno.stat(upload.stagePath)));
  const result = await run(script, { PATH: `${shims}:${Deno.env.get("PATH")}` });
  assertEquals(result.code, 0, result.stderr);
  assertEquals([...(await Deno.readFile(`${dir}/bin/tool`))], [...data(1)]);
  assertEquals([...(await Deno.readFile(`${dir}/bin/other`))], [...data(2)]);
  assertEquals(await Deno.readTextFile(`${dir}/conf/c.yaml`), "key: value\n");
  assertEquals((await Deno.stat(`${dir}/bin/tool`)).mode! & 0o777, 0o755);
  assertEquals((await Deno.stat(`${dir}/conf/c.yaml`)).mode! & 0o777, 0o644);
  for (const sub of ["bin", "conf"]) {
    assertEquals([...Deno.readDirSync(`${dir}/${sub}`)].filter((e) => e.name.endsWith(".muster-tmp")), []);
  }
  assertEquals(await Deno.stat(stage).then(() => true, () => false), false);
  return { staged, moves: (await Deno.readTextFile(`${dir}/mv.log`)).trim().split("\n") };
}

Deno.test("applyScript() renames staged files over their targets with one mv per directory on the stage's filesystem", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { staged, moves } = await placing(dir, `${dir}/stage`);
    assertEquals(moves, [
      `mv -f -- ${dir}/stage/tool ${dir}/stage/other ${dir}/bin/`,
      `mv -f -- ${dir}/stage/c.yaml ${dir}/conf/`,
    ]);
    // Renamed, not copied: the targets are the staged files themselves.
    assertEquals((await Deno.stat(`${dir}/bin/tool`)).ino, staged[0].ino);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("applyScript() from a stage on another filesystem puts files beside their targets, then renames them", async (t) => {
  const dir = await Deno.makeTempDir();
  const shm = await Deno.makeTempDir({ dir: "/dev/shm" }).catch(() => undefined);
  const devices = shm && [await Deno.stat(dir), await Deno.stat(shm)].map((info) => info.dev);
  if (!shm || devices![0] === devices![1]) {
    await t.step({ name: "needs /dev/shm on a filesystem of its own", ignore: true, fn: () => {} });
    await Deno.remove(dir, { recursive: true });
    return;
  }
  try {
    const { moves } = await placing(dir, `${shm}/stage`);
    assertEquals(moves, [
      `mv -f -- ${shm}/stage/tool ${dir}/bin/tool.muster-tmp`,
      `mv -f -- ${shm}/stage/other ${dir}/bin/other.muster-tmp`,
      `mv -f -- ${dir}/bin/tool.muster-tmp ${dir}/bin/tool`,
      `mv -f -- ${dir}/bin/other.muster-tmp ${dir}/bin/other`,
      `mv -f -- ${shm}/stage/c.yaml ${dir}/conf/c.yaml.muster-tmp`,
      `mv -f -- ${dir}/conf/c.yaml.muster-tmp ${dir}/conf/c.yaml`,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(shm, { recursive: true });
  }
});

Deno.test("Placer gives a second target of the same name a directory of its own in the stage", () => {
  const op = (dest: string, n: number) => ({
    kind: "upload" as const,
    source: new Uint8Array([0, n]),
    sha256: `s${n}`,
    dest,
    mode: 0o644,
  });
  const { uploads } = applyScript([{
    changes: [{
      action: "create",
      target: "x",
      ops: [op("/a/x", 1), op("/b/.1", 2), op("/c/x", 3), op("/d/x", 4)],
    }],
  }], { nonce: "n", stage: "/s", localSources: false });
  assertEquals(uploads.map((upload) => upload.stagePath), ["/s/x", "/s/.1", "/s/.2/x", "/s/.3/x"]);
});

Deno.test("applyScript() neither chmods a 0644 text it writes nor chowns it to root when it runs as root", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const text = (name: string, mode: number) => ({
      kind: "upload" as const,
      source: new TextEncoder().encode(`${name}\n`),
      sha256: name,
      dest: `${dir}/${name}`,
      mode,
      owner: "root",
      group: "root",
    });
    const { script } = applyScript([{
      changes: [{ action: "create", target: "t", ops: [text("unit", 0o644), text("tool.sh", 0o755)] }],
    }], { nonce: "n", stage: `${dir}/stage`, localSources: false, uid: 0 });
    const lines = script.split("\n");
    assertEquals(lines.filter((line) => /\bchown /.test(line)), []);
    assertEquals(lines.filter((line) => /\bchmod /.test(line)).map((line) => line.trim()), [
      `chmod 0755 -- ${dir}/stage/tool.sh &&`,
    ]);
    // Run as whoever runs the tests: the modes are right without the chmod left out.
    const result = await run(`umask 077\n${script.replace("umask 022\n", "umask 077\n")}`);
    assertEquals(result.code, 0, result.stderr);
    assertEquals((await Deno.stat(`${dir}/unit`)).mode! & 0o777, 0o644);
    assertEquals((await Deno.stat(`${dir}/tool.sh`)).mode! & 0o777, 0o755);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
