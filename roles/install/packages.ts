import { type Change, type Op, shOp } from "../../src/engine/change.ts";
import { InstallError } from "../../src/engine/errors.ts";
import type { Step } from "../../src/engine/step.ts";
import { pathsFact, sha256Fact } from "../../src/facts/files.ts";
import type { App } from "../../src/app/app.ts";
import type { Artifact, Artifacts } from "../../src/app/artifacts.ts";
import type { AppSpec } from "../../src/app/spec.ts";
import { raw, sh } from "../../src/transport/quote.ts";
import { cleaning, ownerOf, systemWide } from "./context.ts";

type Package = ReturnType<App["packagesFor"]>[number];

/** Where a package lives on the host, and what is checked to tell it is installed. */
function placesOf(spec: AppSpec, pkg: Package, wheels: Artifact[]) {
  const dir = `${spec.prefix}/${pkg.dir}`;
  const wheelsDir = `${spec.prefix}/${pkg.wheels_dir}`;
  const module = (pkg.import ?? pkg.name).replaceAll(".", "/");
  const marker = pkg.kind === "venv" ? `${dir}/bin/python` : `${dir}/${module}/__init__.py`;
  return { dir, wheelsDir, marker, wheelPaths: wheels.map((wheel) => `${wheelsDir}/${wheel.name}`) };
}

/**
 * `install`: the host's Python packages, from wheels built once on the controller and kept
 * in the package's `wheels_dir`, installed with the host's own Python and no package index:
 * `target` packages with `pip install --target DIR` (no conflict with PEP 668; put on
 * PYTHONPATH), `venv` packages into a virtualenv at DIR with their requirements.
 */
export function packagesStep(spec: AppSpec, artifacts: Artifacts): Step {
  const packages = spec.app.packagesFor(spec.profiles).map((pkg) => {
    const set = artifacts.wheels.get(pkg.wheel);
    const wheels = set ? [set.main, ...set.requirements] : [];
    return { pkg, set, wheels, places: placesOf(spec, pkg, wheels) };
  });
  const states = pathsFact(packages.map(({ places }) => places.marker));
  const sums = sha256Fact(packages.flatMap(({ set, places }) => set ? places.wheelPaths : []));
  return {
    role: "install",
    name: "packages",
    exitCode: 3,
    facts: [states, sums],
    plan(facts) {
      const changes: Change[] = [];
      const clean = cleaning(facts, spec);
      for (const { pkg, set, wheels, places } of packages) {
        if (!set) throw new InstallError(`No wheel was built for the Python package ${pkg.name}`);
        const present = !clean && facts.get(states).has(places.marker);
        const current = present &&
          wheels.every((wheel, i) =>
            facts.get(sums).get(places.wheelPaths[i]) === wheel.sha256 && wheel.sha256
          );
        if (current) continue;
        const main = set.main;
        const extra = set.requirements.length ? ` and ${set.requirements.length} requirement wheel(s)` : "";
        changes.push({
          action: present ? "change" : "create",
          target: pkg.kind === "venv"
            ? `${places.dir}/ (virtualenv)`
            : `${places.dir}/${pkg.import ?? pkg.name}`,
          detail: `from ${main.name}${main.sha256 ? ` (sha256 ${main.sha256.slice(0, 12)})` : ""}${extra}`,
          ops: installOps(pkg, wheels, places, ownerOf(facts, spec), set.prebuilt),
        });
      }
      return changes;
    },
    verify(facts) {
      if (packages.length === 0) return undefined;
      // Checked as whoever uses it: the service user when services run as it, else the installer.
      const asService = systemWide(facts) && spec.systemd;
      const who = asService ? spec.serviceUser : "the installing user";
      return packages.map(({ pkg, places }) => {
        const module = pkg.import ?? pkg.name;
        const check = pkg.kind === "venv"
          ? sh`${`${places.dir}/bin/python`} -c ${`import ${module}`}`
          : sh`PYTHONPATH=${places.dir} python3 -c ${`import ${module}`}`;
        const run = asService ? sh`runuser -u ${spec.serviceUser} -- sh -c ${check}` : sh`sh -c ${check}`;
        return `muster_out=$(${run} 2>&1) || { echo "${module} does not import for ${who}: $(printf '%s' "$muster_out" | tail -n 3)" >&2; exit 1; }`;
      }).join("\n");
    },
  };
}

function installOps(
  pkg: Package,
  wheels: Artifact[],
  places: ReturnType<typeof placesOf>,
  owner: string | undefined,
  prebuilt?: Artifact,
): Op[] {
  const { dir, wheelsDir, marker, wheelPaths } = places;
  const pip = "--quiet --no-index --no-cache-dir --disable-pip-version-check";
  const quietly = "2>&1 >/dev/null | grep -v '^$' >&2 || true";
  // A pure wheel that pip installed once on the controller is unpacked: no Python or pip on the host.
  const tarballName = `.${pkg.name}.target.tar.gz`;
  const tarball = `${wheelsDir}/${tarballName}`;
  const unpack = pkg.kind === "target" && prebuilt !== undefined && prebuilt.sha256 !== "";
  const install = pkg.kind === "venv"
    ? [
      shOp(
        sh`python3 -m venv --clear ${dir} || { echo ${`cannot create a virtualenv in ${dir} (python3-venv)`} >&2; exit 1; }`,
      ),
      shOp(
        sh`${`${dir}/bin/python`} -m pip install ${raw(pip)} --find-links ${wheelsDir} ${wheelPaths[0]} ` +
          quietly,
      ),
      shOp(
        sh`${`${dir}/bin/python`} -c ${`import ${pkg.import ?? pkg.name}`} 2>/dev/null || ` +
          sh`{ echo ${`pip did not install ${pkg.name} into ${dir}`} >&2; exit 1; }`,
      ),
    ]
    : unpack
    ? [
      shOp(sh`rm -rf -- ${dir} && mkdir -p -- ${dir} && tar -xzf ${tarball} -C ${dir} --no-same-owner`),
      shOp(sh`rm -f -- ${tarball}`),
      shOp(sh`[ -f ${marker} ] || { echo ${`${pkg.name} did not unpack into ${dir}`} >&2; exit 1; }`),
    ]
    : [
      shOp(sh`rm -rf -- ${dir} && mkdir -p -- ${dir}`),
      shOp(sh`python3 -m pip install ${raw(pip)} --no-deps --target ${dir} ${wheelPaths[0]} ` + quietly),
      shOp(sh`[ -f ${marker} ] || { echo ${`pip did not install ${pkg.name} into ${dir}`} >&2; exit 1; }`),
    ];
  const uploads: Op[] = wheels.map((wheel, i) => ({
    kind: "upload",
    source: wheel.path,
    sha256: wheel.sha256,
    dest: wheelPaths[i],
    mode: 0o644,
  }));
  if (unpack) {
    uploads.push({
      kind: "upload",
      source: prebuilt.path,
      sha256: prebuilt.sha256,
      dest: tarball,
      mode: 0o644,
    });
  }
  const kept = [...wheels.map((wheel) => wheel.name), ...(unpack ? [tarballName] : [])];
  return [
    shOp(sh`mkdir -p -- ${wheelsDir} && chmod 0755 ${wheelsDir}`),
    ...uploads,
    shOp(
      sh`find ${wheelsDir} -mindepth 1 ${kept.flatMap((name) => ["!", "-name", name])} -exec rm -rf -- {} +`,
    ),
    ...install,
    shOp(sh`chmod -R a+rX ${dir} ${wheelsDir}`),
    ...(owner ? [shOp(sh`chown -R ${owner}:${owner} ${dir} ${wheelsDir}`)] : []),
  ];
}
