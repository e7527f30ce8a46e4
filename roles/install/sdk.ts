import { shOp } from "../../src/engine/change.ts";
import { InstallError } from "../../src/engine/errors.ts";
import type { Step } from "../../src/engine/step.ts";
import { pathsFact, sha256Fact } from "../../src/facts/files.ts";
import type { Artifacts } from "../../src/flame/artifacts.ts";
import { needsSdk } from "../../src/flame/components.ts";
import { paths } from "../../src/flame/layout.ts";
import type { FlameSpec } from "../../src/flame/spec.ts";
import { sh } from "../../src/transport/quote.ts";
import { cleaning, ownerOf, systemWide } from "./context.ts";

/**
 * `install`: the Python SDK (flamepy), for workers and clients. The wheel built once on
 * the controller is kept in `sdk/wheels/` and installed with the host's own pip into
 * `sdk/python/` (`--target`: no package index, and no conflict with PEP 668), which
 * `sbin/flmenv.sh` puts on `PYTHONPATH`.
 */
export function sdkStep(spec: FlameSpec, artifacts: Artifacts): Step {
  const where = paths(spec.prefix);
  const wheel = artifacts.wheel;
  const wheelPath = wheel ? `${where.wheels}/${wheel.name}` : "";
  const marker = `${where.sdk}/flamepy/__init__.py`;
  const states = pathsFact([marker]);
  const sums = sha256Fact(wheel ? [wheelPath] : []);
  return {
    role: "install",
    name: "sdk",
    exitCode: 3,
    facts: [states, sums],
    plan(facts) {
      if (!needsSdk(spec.profiles)) return [];
      if (!wheel) throw new InstallError("No flamepy wheel was built for the Python SDK");
      const clean = cleaning(facts, spec);
      const installed = !clean && facts.get(states).has(marker) &&
        facts.get(sums).get(wheelPath) === wheel.sha256;
      if (installed) return [];
      const owner = ownerOf(facts, spec);
      return [{
        action: clean || !facts.get(states).has(marker) ? "create" : "change",
        target: `${where.sdk}/flamepy`,
        detail: `from ${wheel.name}${wheel.sha256 ? ` (sha256 ${wheel.sha256.slice(0, 12)})` : ""}`,
        ops: [
          shOp(sh`mkdir -p -- ${where.wheels} && chmod 0755 ${where.wheels}`),
          { kind: "upload", source: wheel.path, sha256: wheel.sha256, dest: wheelPath, mode: 0o644 },
          shOp(sh`find ${where.wheels} -mindepth 1 ! -name ${wheel.name} -exec rm -rf -- {} +`),
          shOp(sh`rm -rf -- ${where.sdk} && mkdir -p -- ${where.sdk}`),
          shOp(
            sh`python3 -m pip install --quiet --no-index --no-deps --no-cache-dir --disable-pip-version-check ` +
              sh`--target ${where.sdk} ${wheelPath} 2>&1 >/dev/null | grep -v '^$' >&2 || true`,
          ),
          shOp(
            sh`[ -f ${marker} ] || { echo ${`pip did not install flamepy into ${where.sdk}`} >&2; exit 1; }`,
          ),
          shOp(sh`chmod -R a+rX ${where.sdk} ${where.wheels}`),
          ...(owner ? [shOp(sh`chown -R ${owner}:${owner} ${where.sdk} ${where.wheels}`)] : []),
        ],
      }];
    },
    verify(facts) {
      if (!needsSdk(spec.profiles)) return undefined;
      // Checked as whoever uses it: the service user when services run as it, else the installer.
      const asService = systemWide(facts) && spec.systemd;
      const who = asService ? spec.serviceUser : "the installing user";
      const check = sh`. ${where.flmenv} && python3 -c 'import flamepy'`;
      const run = asService ? sh`runuser -u ${spec.serviceUser} -- sh -c ${check}` : sh`sh -c ${check}`;
      return `muster_out=$(${run} 2>&1) || { echo "flamepy does not import for ${who}: $(printf '%s' "$muster_out" | tail -n 3)" >&2; exit 1; }`;
    },
  };
}
