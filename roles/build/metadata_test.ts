import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { countUnits, parseWorkspace } from "./metadata.ts";

const ROOT = "/src/flame";
const id = (name: string) => `path+file://${ROOT}/${name}#0.1.0`;
const reg = (name: string) => `registry+https://github.com/rust-lang/crates.io-index#${name}@1.0.0`;

function pkg(name: string, bins: string[], deps: { path?: string; source?: string }[] = [], lib = false) {
  return {
    id: id(name),
    name,
    targets: [
      ...(lib ? [{ name, kind: ["lib"] }] : []),
      ...bins.map((bin) => ({ name: bin, kind: ["bin"] })),
      { name: "build-script-build", kind: ["custom-build"] },
    ],
    dependencies: deps.map((dep) => ({ name: "x", source: dep.source ?? null, path: dep.path ?? null })),
  };
}

const NO_DEPS = JSON.stringify({
  packages: [
    pkg("common", [], [], true),
    pkg("flmping", ["flmping-service", "flmping"], [{ path: `${ROOT}/common` }]),
    pkg("flame-session-manager", ["flame-session-manager"], [{ path: `${ROOT}/common` }]),
  ],
  workspace_members: [id("common"), id("flmping"), id("flame-session-manager")],
  workspace_root: ROOT,
  target_directory: `${ROOT}/target`,
  resolve: null,
});

Deno.test("parseWorkspace() lists the bin targets of the members", () => {
  const ws = parseWorkspace(NO_DEPS);
  assertEquals([...ws.bins.entries()], [
    ["flmping-service", id("flmping")],
    ["flmping", id("flmping")],
    ["flame-session-manager", id("flame-session-manager")],
  ]);
  assertEquals(ws.targetDir, `${ROOT}/target`);
  assertEquals(ws.externalDeps, false);
});

Deno.test("parseWorkspace() notices dependencies from crates.io or outside the workspace", () => {
  const make = (dep: { path?: string; source?: string }) =>
    JSON.stringify({
      packages: [pkg("a", ["a"], [dep])],
      workspace_members: [id("a")],
      workspace_root: ROOT,
      target_directory: `${ROOT}/target`,
    });
  assertEquals(
    parseWorkspace(make({ source: "registry+https://github.com/rust-lang/crates.io-index" })).externalDeps,
    true,
  );
  assertEquals(parseWorkspace(make({ source: "git+https://example.com/x.git" })).externalDeps, true);
  assertEquals(parseWorkspace(make({ path: "/elsewhere/lib" })).externalDeps, true);
  assertEquals(parseWorkspace(make({ path: "/src/flame-other/lib" })).externalDeps, true);
  assertEquals(parseWorkspace(make({ path: `${ROOT}/lib` })).externalDeps, false);
});

Deno.test("parseWorkspace() rejects output that is not cargo metadata", () => {
  let error: unknown;
  try {
    parseWorkspace('{"hello": 1}');
  } catch (e) {
    error = e;
  }
  assertEquals(error instanceof SyntaxError, true);
});

Deno.test("countUnits() counts the normal and build dependency closure of the roots", () => {
  const node = (pkgId: string, deps: [string, string | null][]) => ({
    id: pkgId,
    dependencies: deps.map(([d]) => d),
    deps: deps.map(([d, kind]) => ({ name: "x", pkg: d, dep_kinds: [{ kind, target: null }] })),
  });
  const full = JSON.stringify({
    packages: [],
    workspace_members: [],
    workspace_root: ROOT,
    target_directory: `${ROOT}/target`,
    resolve: {
      nodes: [
        node(id("flame-session-manager"), [[id("common"), null], [reg("tempfile"), "dev"]]),
        node(id("flmping"), [[id("common"), null], [reg("cc"), "build"]]),
        node(id("common"), [[reg("serde"), null]]),
        node(reg("serde"), [[reg("serde_derive"), null]]),
        node(reg("serde_derive"), []),
        node(reg("cc"), []),
        node(reg("tempfile"), [[reg("rand"), null]]),
        node(reg("rand"), []),
      ],
    },
  });
  assertEquals(countUnits(full, [id("flame-session-manager")]), 4);
  assertEquals(countUnits(full, [id("flame-session-manager"), id("flmping")]), 6);
  assertEquals(countUnits(full, []), 0);
  assertEquals(countUnits(NO_DEPS, [id("common")]), 0);
});
