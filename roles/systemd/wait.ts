import type { Service } from "../../src/flame/components.ts";
import type { FlameSpec } from "../../src/flame/spec.ts";
import { sh } from "../../src/transport/quote.ts";

/** How long to wait for the session manager to accept connections. */
export const READY_TIMEOUT_S = 30;

/** Host and port of an `http://host:port` endpoint; a wildcard host is reached on loopback. */
export function endpointAddress(endpoint: string): { host: string; port: number } {
  const url = new URL(endpoint);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  return { host: host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host, port };
}

/**
 * Shell that waits until the service accepts TCP connections on the endpoint's port, and
 * on timeout prints the unit's status and its last log lines, then fails.
 */
export function readinessCheck(spec: FlameSpec, service: Service): string {
  const { host, port } = endpointAddress(spec.endpoint);
  const probe = "import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 1).close()";
  const tries = READY_TIMEOUT_S * 4;
  const log = `${spec.prefix}/logs/${service.log}`;
  return [
    "muster_i=0",
    sh`until python3 -c ${probe} ${host} ${port} 2>/dev/null; do`,
    "  muster_i=$((muster_i + 1))",
    `  if [ "$muster_i" -ge ${tries} ]; then`,
    sh`    echo ${`${service.unit} did not accept connections on ${host}:${port} within ${READY_TIMEOUT_S}s`} >&2`,
    sh`    systemctl status ${`${service.unit}.service`} 2>&1 | tail -n 12 >&2 || true`,
    sh`    [ -f ${log} ] && { echo ${`last lines of ${log}:`} >&2; tail -n 20 ${log} >&2; }`,
    "    exit 1",
    "  fi",
    "  sleep 0.25",
    "done",
  ].join("\n");
}
