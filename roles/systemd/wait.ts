import type { Service } from "../../src/flame/components.ts";
import type { FlameSpec } from "../../src/flame/spec.ts";
import { raw, sh } from "../../src/transport/quote.ts";

/** Host and port of an `http://host:port` endpoint; a wildcard host is reached on loopback. */
export function endpointAddress(endpoint: string): { host: string; port: number } {
  const url = new URL(endpoint);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  return { host: host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host, port };
}

/** Shell that prints a unit's status and the last lines of its log to stderr. */
export function diagnostics(spec: FlameSpec, service: Service): string {
  const log = `${spec.prefix}/logs/${service.log}`;
  return sh`systemctl status ${`${service.unit}.service`} 2>&1 | tail -n 12 >&2 || true; ` +
    sh`if [ -s ${log} ]; then echo ${`last lines of ${log}:`} >&2; tail -n 20 ${log} >&2; fi`;
}

/** Shell that runs `systemctl ACTION` on a service and, when it fails, says so with the unit's status and log. */
export function systemctlAction(
  spec: FlameSpec,
  service: Service,
  action: "start" | "restart" | "enable",
): string {
  const unit = `${service.unit}.service`;
  const quiet = action === "enable" ? " >/dev/null 2>&1" : "";
  return sh`systemctl ${action} ${unit}` + quiet +
    sh` || { echo ${`systemctl ${action} ${unit} failed`} >&2; ${raw(diagnostics(spec, service))}; exit 1; }`;
}

/**
 * Shell that waits until the service accepts TCP connections on the endpoint's port, and
 * on timeout prints the unit's status and its last log lines, then fails.
 */
export function readinessCheck(spec: FlameSpec, service: Service): string {
  const { host, port } = endpointAddress(spec.endpoint);
  const probe = "import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 1).close()";
  const tries = spec.readyTimeoutS * 4;
  return [
    "muster_i=0",
    sh`until python3 -c ${probe} ${host} ${port} 2>/dev/null; do`,
    "  muster_i=$((muster_i + 1))",
    `  if [ "$muster_i" -ge ${tries} ]; then`,
    sh`    echo ${`${service.unit} did not accept connections on ${host}:${port} within ${spec.readyTimeoutS}s`} >&2`,
    `    ${diagnostics(spec, service)}`,
    "    exit 1",
    "  fi",
    "  sleep 0.25",
    "done",
  ].join("\n");
}
