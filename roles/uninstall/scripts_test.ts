/** The shell that uninstall's steps run, executed for real on local files with fake system commands. */
import { deepStrictEqual as assertEquals, match as assertMatch, ok as assert } from "node:assert/strict";
import { shOp } from "../../src/engine/change.ts";
import { flame } from "../../src/app/testing.ts";
import { factsOf } from "./_testing.ts";
import { applyLocally, fakeCommand } from "./_run_script.ts";
import { installationFact } from "./facts.ts";
import { filesStep } from "./files.ts";
import { stopScript } from "./services.ts";
import { removeScript } from "./user.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "muster-uninstall-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const PATH = Deno.env.get("PATH") ?? "/usr/bin:/bin";

Deno.test("stopScript() warns and asks for exit 3 when a service will not stop in time, then goes on", async () => {
  await withDir(async (dir) => {
    // A systemctl whose stop hangs and whose service stays active.
    await fakeCommand(`${dir}/systemctl`, '[ "$1" = stop ] && exec sleep 30; exit 0');
    const fem = flame.services.find((s) => s.name === "flame-executor-manager")!;
    const started = performance.now();
    const { code, outcome } = await applyLocally([{
      changes: [{
        action: "change",
        target: "service",
        ops: [shOp("muster_stop_deadline=$(( $(date +%s) + 1 ))"), shOp(stopScript(fem)), shOp("echo after")],
      }],
    }], { PATH: `${dir}:${PATH}` });
    assert(performance.now() - started < 5000, "the wait is bounded");
    assertEquals(code, 0);
    assertEquals(outcome.done, true);
    assertEquals(outcome.warnings.get(0), ["flame-executor-manager did not stop within 30s; going on"]);
    assertEquals(outcome.exitAtLeast.get(0), 3);
  });
});

Deno.test("stopScript() is quiet when the service stops", async () => {
  await withDir(async (dir) => {
    await fakeCommand(`${dir}/systemctl`, '[ "$1" = is-active ] && exit 3; exit 0');
    const { code, outcome } = await applyLocally([{
      changes: [{
        action: "change",
        target: "service",
        ops: [shOp("muster_stop_deadline=$(( $(date +%s) + 30 ))"), shOp(stopScript(flame.services[0]))],
      }],
    }], { PATH: `${dir}:${PATH}` });
    assertEquals([code, outcome.warnings.size, outcome.exitAtLeast.size], [0, 0, 0]);
  });
});

Deno.test("removeScript() keeps the user while a process runs as it, and says which", async () => {
  await withDir(async (dir) => {
    await fakeCommand(`${dir}/ps`, 'printf "  4242 sleep 1000\\n"');
    await fakeCommand(`${dir}/userdel`, `touch ${dir}/userdel-ran`);
    await fakeCommand(`${dir}/getent`, "exit 0");
    const { code, outcome } = await applyLocally([{
      changes: [{ action: "remove", target: "user flame", ops: [shOp(removeScript("flame"))] }],
    }], { PATH: `${dir}:${PATH}` });
    assertEquals(code, 0);
    assertEquals(outcome.warnings.get(0), ["user flame kept: processes run as flame: 4242 sleep 1000;"]);
    await Deno.stat(`${dir}/userdel-ran`).then(() => assert(false, "userdel ran"), () => {});
  });
});

Deno.test("removeScript() removes user and group, and a failing userdel is only a warning", async () => {
  await withDir(async (dir) => {
    await fakeCommand(`${dir}/ps`, "exit 1");
    await fakeCommand(`${dir}/getent`, "exit 0");
    await fakeCommand(
      `${dir}/userdel`,
      'echo "userdel: user flame is currently used by process 1" >&2; exit 8',
    );
    await fakeCommand(`${dir}/groupdel`, `touch ${dir}/groupdel-ran`);
    const { code, outcome } = await applyLocally([{
      changes: [{ action: "remove", target: "user flame", ops: [shOp(removeScript("flame"))] }],
    }], { PATH: `${dir}:${PATH}` });
    assertEquals([code, outcome.done], [0, true]);
    assertEquals(outcome.warnings.get(0), [
      "user flame kept: userdel failed: userdel: user flame is currently used by process 1",
    ]);
    await Deno.stat(`${dir}/groupdel-ran`);
  });
});

/** Plans the files step from the real directory and applies it locally. */
async function removeFiles(prefix: string, preserve = { data: false, conf: false, logs: false }) {
  const spec = { prefix, preserve, removeUser: false, serviceUser: "flame", app: flame, vars: {} };
  const fact = installationFact(prefix, flame);
  const gathered = await new Deno.Command("sh", {
    args: ["-c", fact.command],
    stdout: "piped",
    stderr: "null",
  }).output();
  const step = filesStep(spec);
  const changes = step.plan(factsOf([[fact, fact.parse(new TextDecoder().decode(gathered.stdout), 0)]]), []);
  return { changes, ...await applyLocally([{ changes }]) };
}

async function layout(prefix: string): Promise<void> {
  for (const dir of ["bin", "sbin", "sdk/python", "work/sessions", "data/cache", "conf", "logs"]) {
    await Deno.mkdir(`${prefix}/${dir}`, { recursive: true });
  }
  await Deno.writeTextFile(`${prefix}/bin/flmctl`, "");
  await Deno.writeTextFile(`${prefix}/conf/flame-cluster.yaml`, "cluster: {}\n");
}

Deno.test("filesStep() removes the installation and the empty prefix", async () => {
  await withDir(async (dir) => {
    const prefix = `${dir}/flame`;
    await layout(prefix);
    const { code, outcome } = await removeFiles(prefix);
    assertEquals([code, outcome.done, outcome.warnings.size], [0, true, 0]);
    assertEquals([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("filesStep() keeps the prefix with unknown entries and warns with what remains", async () => {
  await withDir(async (dir) => {
    const prefix = `${dir}/flame`;
    await layout(prefix);
    await Deno.writeTextFile(`${prefix}/notes.txt`, "mine");
    await Deno.mkdir(`${prefix}/extra`);
    const { code, outcome } = await removeFiles(prefix, { data: true, conf: false, logs: false });
    assertEquals(code, 0);
    assertEquals(outcome.warnings.get(0), [`${prefix} kept: it still holds: extra, notes.txt`]);
    assertEquals([...Deno.readDirSync(prefix)].map((e) => e.name).sort(), ["data", "extra", "notes.txt"]);
  });
});

Deno.test("filesStep() removes a symlink inside the prefix as a link, never its target", async () => {
  await withDir(async (dir) => {
    const prefix = `${dir}/flame`;
    await layout(prefix);
    await Deno.mkdir(`${dir}/elsewhere`);
    await Deno.writeTextFile(`${dir}/elsewhere/precious`, "keep");
    await Deno.remove(`${prefix}/data`, { recursive: true });
    await Deno.symlink(`${dir}/elsewhere`, `${prefix}/data`);
    await Deno.symlink(`${dir}/elsewhere`, `${prefix}/logs/link`);
    const { code } = await removeFiles(prefix);
    assertEquals(code, 0);
    assertEquals(await Deno.readTextFile(`${dir}/elsewhere/precious`), "keep");
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["elsewhere"]);
  });
});

Deno.test("filesStep() stops when the prefix was replaced by a symlink after planning", async () => {
  await withDir(async (dir) => {
    const prefix = `${dir}/flame`;
    await layout(prefix);
    const spec = {
      prefix,
      preserve: { data: false, conf: false, logs: false },
      removeUser: false,
      serviceUser: "flame",
      app: flame,
      vars: {},
    };
    const fact = installationFact(prefix, flame);
    const out = await new Deno.Command("sh", { args: ["-c", fact.command], stdout: "piped" }).output();
    const changes = filesStep(spec).plan(
      factsOf([[fact, fact.parse(new TextDecoder().decode(out.stdout), 0)]]),
      [],
    );
    await Deno.rename(prefix, `${dir}/real`);
    await Deno.symlink(`${dir}/real`, prefix);
    const { code, stderr } = await applyLocally([{ changes }]);
    assert(code !== 0);
    assertMatch(stderr, /is no longer the directory that was checked; nothing removed/);
    assertEquals([...Deno.readDirSync(`${dir}/real`)].length, 7);
  });
});
