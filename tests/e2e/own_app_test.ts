/**
 * The README's "Your own application" example, taken from the README itself (the fenced
 * blocks marked `file=PATH`) and deployed on the test fleet over SSH: planned, installed,
 * started and healthy, unchanged by a rerun, in sync by status, and uninstalled with a backup.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startFleet } from "../fleet/fleet.ts";
import { expectExit, MOD, muster } from "./muster.ts";

const README = fileURLToPath(new URL("../../README.md", import.meta.url));

/** The README's files: each fenced block whose info string says `file=PATH`. */
export function readmeFiles(text: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const match of text.matchAll(/^```\S* file=(\S+)\n([\s\S]*?)^```$/gm)) files.set(match[1], match[2]);
  return files;
}

Deno.test("readmeFiles() finds the example's three files", async () => {
  const files = readmeFiles(await Deno.readTextFile(README));
  assertEquals([...files.keys()], ["hello-src/hello.py", "hello/app.yaml", "hello/templates/hello.env.j2"]);
});

Deno.test("the README's own application deploys on a test fleet as the README says", async (t) => {
  // Hosts have a private /tmp: the source goes where they can read it.
  await Deno.mkdir("/var/tmp", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "muster-hello-" });
  await Deno.chmod(dir, 0o755);
  try {
    for (const [path, content] of readmeFiles(await Deno.readTextFile(README))) {
      await Deno.mkdir(dirname(join(dir, path)), { recursive: true });
      await Deno.writeTextFile(join(dir, path), content);
    }
    await using fleet = await startFleet({ count: 1, firstOctet: 181 });
    const [host] = fleet.hosts;
    const inventory = await fleet.writeInventory({
      hostVars: { [host.name]: { hello_greeting: "Hello from muster", hello_address: host.address } },
    });
    const app = ["--app", join(dir, "hello"), "-i", inventory];
    const source = ["--src-dir", join(dir, "hello-src")];
    const get = (path: string) =>
      host.exec([
        "python3",
        "-c",
        `import urllib.request; print(urllib.request.urlopen('http://${host.address}:8300${path}').read().decode(), end='')`,
      ]);

    await t.step("apps shows its variables and a dry run plans it", async () => {
      const described = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--quiet", MOD, "apps", join(dir, "hello")],
        stdout: "piped",
      }).output();
      assertEquals(described.code, 0);
      match(
        new TextDecoder().decode(described.stdout),
        /hello_greeting +string \(default: "Hello"\): What it says/,
      );
      const planned = await muster(["install", ...app, ...source, "--dry-run"], { home: fleet.home });
      expectExit(planned, 0);
      match(planned.stdout, /\+ \/opt\/hello\/bin\/hello\.py/);
      match(planned.stdout, /\+GREETING=Hello from muster/);
    });

    await t.step("install --enable starts it, healthy, saying the inventory's greeting", async () => {
      const result = await muster(["install", ...app, ...source, "--enable"], { home: fleet.home });
      expectExit(result, 0);
      match(result.stdout, /Hello is installed in \/opt\/hello on host1/);
      assertEquals((await get("/")).stdout, "Hello from muster\n");
      assertEquals(JSON.parse((await get("/health")).stdout), { status: "ok" });
      assertEquals(
        (await host.sh(
          "ps -eo user=,args= | grep '^[^ ]* */usr/bin/python3 /opt/hello/bin/hello.py' | cut -d' ' -f1",
        )).stdout.trim(),
        "hello",
      );
    });

    await t.step("a rerun changes nothing, status finds it in sync, discover finds it", async () => {
      const again = await muster(["install", ...app, ...source, "--enable"], { home: fleet.home });
      expectExit(again, 0);
      assertEquals(again.report!.summary.changed, 0);
      expectExit(await muster(["status", ...app, ...source], { home: fleet.home }), 0);
      const found = `${fleet.dir}/found.yml`;
      expectExit(await muster(["discover", ...app, "--output", found], { home: fleet.home }), 0);
      match(await Deno.readTextFile(found), /hello_enable: true/);
    });

    await t.step("uninstall removes it and keeps a verified backup", async () => {
      const result = await muster(["uninstall", ...app, "--force"], { home: fleet.home });
      expectExit(result, 0);
      const backup = result.report!.hosts[0].backupDir!;
      ok(backup.startsWith("/opt/hello.backup."), backup);
      const check = await host.sh(
        `[ ! -e /opt/hello ] && [ ! -e /etc/systemd/system/hello.service ] && cd ${backup} && sha256sum -c --quiet MANIFEST.sha256 && cat conf/hello.env`,
      );
      assertEquals(check.code, 0, check.stdout + check.stderr);
      // The service was stopped first: nothing runs from the removed prefix.
      assertEquals((await host.sh("pgrep -u hello || echo none")).stdout.trim(), "none");
      match(check.stdout, /GREETING=Hello from muster/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
