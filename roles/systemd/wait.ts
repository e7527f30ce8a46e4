import type { CheckDecl, ServiceDecl } from "../../src/app/definition.ts";
import { render, urlPart } from "../../src/template/render.ts";
import type { AppSpec } from "../../src/app/spec.ts";
import { raw, sh } from "../../src/transport/quote.ts";

/** Host and port of an endpoint (`http://host:port` or `host:port`); a wildcard host is reached on loopback. */
export function endpointAddress(endpoint: string): { host: string; port: number } {
  const host = String(urlPart(endpoint, "host"));
  const port = Number(urlPart(endpoint, "port"));
  return { host: host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host, port };
}

/**
 * Shell that prints a unit's status and the last lines of its output to stderr: from the
 * service's log file, else the journal (systemd's, or the daemonless systemctl's file).
 */
export function diagnostics(spec: AppSpec, service: ServiceDecl): string {
  const unit = `${service.name}.service`;
  const status = sh`systemctl status ${unit} 2>&1 | tail -n 12 >&2 || true`;
  const log = service.log
    ? `${spec.prefix}/${render(service.log, spec.vars, `services.${service.name}.log`)}`
    : "";
  const journal = `/var/log/journal/${unit}.log`;
  return [
    status,
    (log ? sh`if [ -s ${log} ]; then echo ${`last lines of ${log}:`} >&2; tail -n 20 ${log} >&2; el` : "") +
    sh`if [ -s ${journal} ]; then echo ${`last lines of ${journal}:`} >&2; tail -n 20 ${journal} >&2; ` +
    sh`elif command -v journalctl >/dev/null 2>&1; then journalctl -u ${unit} -n 20 --no-pager -q 2>/dev/null >&2 || true; fi`,
  ].join("; ");
}

/** Shell that runs `systemctl ACTION` on a service and, when it fails, says so with the unit's status and log. */
export function systemctlAction(
  spec: AppSpec,
  service: ServiceDecl,
  action: "start" | "restart" | "enable",
): string {
  const unit = `${service.name}.service`;
  const quiet = action === "enable" ? " >/dev/null 2>&1" : "";
  return sh`systemctl ${action} ${unit}` + quiet +
    sh` || { echo ${`systemctl ${action} ${unit} failed`} >&2; ${raw(diagnostics(spec, service))}; exit 1; }`;
}

/** A check's probe: Python (the host has it for the SDK and packages) that exits 0 when it passes. */
const PROBES = {
  tcp: "import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 1).close()",
  http: [
    "import json,sys,urllib.request,urllib.error",
    "want=json.loads(sys.argv[3])",
    "try:",
    "  r=urllib.request.urlopen(sys.argv[1], timeout=2); code=r.status; body=r.read().decode('utf-8','replace')",
    "except urllib.error.HTTPError as e:",
    "  code=e.code; body=e.read().decode('utf-8','replace')",
    "except Exception as e:",
    "  print('cannot reach %s: %s' % (sys.argv[1], getattr(e, 'reason', e)), file=sys.stderr); sys.exit(1)",
    "if code != int(sys.argv[2]):",
    "  print('%s answered HTTP %d, expected %s: %s' % (sys.argv[1], code, sys.argv[2], body[:300]), file=sys.stderr); sys.exit(1)",
    "try:",
    "  doc=json.loads(body) if want else {}",
    "except ValueError:",
    "  print('%s did not answer JSON: %s' % (sys.argv[1], body[:300]), file=sys.stderr); sys.exit(1)",
    "bad=[k for k,v in want.items() if (doc.get(k) if isinstance(doc, dict) else None) != v]",
    "if bad:",
    "  print('%s is not healthy (%s): %s' % (sys.argv[1], ', '.join('%s=%r, expected %r' % (k, doc.get(k) if isinstance(doc, dict) else None, want[k]) for k in bad), body[:300]), file=sys.stderr); sys.exit(1)",
  ].join("\n"),
};

/** The shell probe of a check, and how it is named in messages. */
function probe(spec: AppSpec, service: ServiceDecl, check: CheckDecl): { shell: string; what: string } {
  const where = `services.${service.name}`;
  if ("tcp" in check) {
    const { host, port } = endpointAddress(render(check.tcp, spec.vars, `${where}: tcp`));
    return {
      shell: sh`python3 -c ${PROBES.tcp} ${host} ${port} 2>/dev/null`,
      what: `accept connections on ${host}:${port}`,
    };
  }
  if ("http" in check) {
    const url = render(check.http, spec.vars, `${where}: http`);
    const status = String(check.status ?? 200);
    return {
      shell: sh`python3 -c ${PROBES.http} ${url} ${status} ${JSON.stringify(check.json ?? {})}`,
      what: `answer healthy on ${url}`,
    };
  }
  const command = render(check.command, spec.vars, `${where}: command`);
  return { shell: sh`sh -c ${command}`, what: `pass ${JSON.stringify(command)}` };
}

/**
 * Shell that waits until a check passes (every 0.25 s, within its timeout or the spec's
 * ready timeout), and on timeout prints the last probe's words, the unit's status and its
 * last log lines, then fails.
 */
export function waitFor(spec: AppSpec, service: ServiceDecl, check: CheckDecl): string {
  const { shell, what } = probe(spec, service, check);
  const seconds = check.timeout ?? spec.readyTimeoutS;
  const tries = Math.max(1, Math.round(seconds * 4));
  return [
    "muster_i=0",
    `until muster_probe_out=$(${shell} 2>&1); do`,
    "  muster_i=$((muster_i + 1))",
    `  if [ "$muster_i" -ge ${tries} ]; then`,
    sh`    echo ${`${service.name} did not ${what} within ${seconds}s`} >&2`,
    `    [ -z "$muster_probe_out" ] || printf '%s\\n' "$muster_probe_out" >&2`,
    `    ${diagnostics(spec, service)}`,
    "    exit 1",
    "  fi",
    "  sleep 0.25",
    "done",
  ].join("\n");
}
