import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { flame } from "../../src/app/testing.ts";
import { installationFact, parseInstallation } from "./facts.ts";

async function gather(command: string): Promise<string> {
  const out = await new Deno.Command("sh", { args: ["-c", command], stdout: "piped", stderr: "null" })
    .output();
  return new TextDecoder().decode(out.stdout);
}

Deno.test("installationFact() reads a real installation without following symlinks", async () => {
  const dir = await Deno.makeTempDir({ prefix: "muster-fact-" });
  try {
    const prefix = `${dir}/flame`;
    await Deno.mkdir(`${prefix}/bin`, { recursive: true });
    await Deno.mkdir(`${prefix}/conf`);
    await Deno.mkdir(`${dir}/outside`);
    await Deno.writeTextFile(`${prefix}/bin/flmctl`, "#!/bin/sh\n");
    await Deno.writeTextFile(`${prefix}/conf/flame-cluster.yaml`, "cluster: {}\n");
    await Deno.writeTextFile(`${prefix}/odd\nname`, "x");
    await Deno.symlink(`${dir}/outside`, `${prefix}/data`);
    const fact = installationFact(prefix, flame);
    const found = fact.parse(await gather(fact.command), 0);
    assertEquals(found.kind, "directory");
    assertEquals(found.resolved, prefix);
    assertEquals(found.entries.sort((a, b) => a.name.localeCompare(b.name)), [
      { type: "d", name: "bin" },
      { type: "d", name: "conf" },
      { type: "l", name: "data" },
      { type: "f", name: "odd\nname" },
    ]);
    assertEquals(found.bin, [{ type: "f", name: "flmctl" }]);
    assertEquals(found.markers, ["conf/flame-cluster.yaml"]);
    assertEquals(found.writable, true);

    await Deno.symlink(prefix, `${dir}/link-flame`);
    const linked = installationFact(`${dir}/link-flame`, flame);
    const viaLink = linked.parse(await gather(linked.command), 0);
    assertEquals(viaLink.kind, "symbolic link");
    assertEquals(viaLink.linkTarget, prefix);
    assertEquals(viaLink.entries, []);
    assertEquals(viaLink.markers, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("installationFact() says nothing is there for a missing prefix", async () => {
  const fact = installationFact("/nonexistent/muster/flame", flame);
  assertEquals(fact.parse(await gather(fact.command), 0), {
    entries: [],
    bin: [],
    markers: [],
    writable: false,
  });
});

Deno.test("parseInstallation() ignores lines it does not know", () => {
  assertEquals(parseInstallation("noise\nkind:directory\nwritable:yes\n", "/p/flame").kind, "directory");
});
