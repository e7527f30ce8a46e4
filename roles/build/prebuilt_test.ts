import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { flameSpec } from "../../src/app/testing.ts";
import { identityFact } from "../../src/facts/identity.ts";
import { packagesStep } from "../install/packages.ts";
import { prepareArtifacts } from "./mod.ts";

const FIXTURE = fileURLToPath(new URL("../../tests/fixtures/flame", import.meta.url));

Deno.test("a pure wheel is installed once on the controller, and hosts unpack it instead of running pip", async () => {
  const cache = await Deno.makeTempDir({ prefix: "muster-wheels-" });
  const elsewhere = await Deno.makeTempDir({ prefix: "muster-other-controller-" });
  try {
    const build = (wheelCache = cache) =>
      prepareArtifacts({
        srcDir: FIXTURE,
        srcRepo: "",
        srcRef: "main",
        skipBuild: true,
        verbose: false,
        dryRun: false,
        binaries: [],
        wheels: [{ name: "flamepy", dir: "sdk/python" }],
        wheelCache,
        emit: () => {},
      });
    const first = await build();
    const prebuilt = first.wheels.get("flamepy")!.prebuilt!;
    const list = await new Deno.Command("tar", { args: ["-tzf", prebuilt.path], stdout: "piped" }).output();
    const names = new TextDecoder().decode(list.stdout).split("\n");
    ok(names.includes("./flamepy/__init__.py"));
    // Nothing in it says where the controller keeps its wheels (pip's direct_url.json).
    assertEquals(names.filter((name) => name.endsWith("direct_url.json")), []);
    assertEquals((await build(elsewhere)).wheels.get("flamepy")!.prebuilt!.sha256, prebuilt.sha256);
    // Reproducible: the same wheel gives the same bytes, so a rerun uploads nothing new.
    await Deno.remove(prebuilt.path);
    assertEquals((await build()).wheels.get("flamepy")!.prebuilt!.sha256, prebuilt.sha256);

    const step = packagesStep(flameSpec({ profiles: ["worker"] }), first);
    const facts = {
      get: <T>(fact: { key: string }) => (fact.key === identityFact.key ? { uid: 0 } : new Map()) as T,
    };
    const scripts = step.plan(facts, []).flatMap((change) => change.ops).map((op) =>
      op.kind === "sh" ? op.script : op.dest
    );
    ok(scripts.some((script) => /tar -xzf .*\.flamepy\.target\.tar\.gz/.test(script)), scripts.join("\n"));
    assertEquals(scripts.some((script) => /pip install/.test(script)), false);
  } finally {
    await Deno.remove(cache, { recursive: true });
    await Deno.remove(elsewhere, { recursive: true });
  }
});
