import { connectSsh, type SshOptions } from "../transport/ssh.ts";
import { LocalTransport } from "../transport/local.ts";
import type { Connection, Transport } from "../transport/transport.ts";

/** Opens the transport a connection asks for: local, or SSH. */
export function connectTo(connection: Connection, ssh: SshOptions = {}): Promise<Transport> {
  if (connection.unusable) return Promise.reject(connection.unusable);
  if (connection.kind === "local") return Promise.resolve(new LocalTransport(connection));
  return connectSsh(connection, ssh);
}

/**
 * The connector of a run: every host is reached with the run's SSH options, and connecting
 * stops when the host's signal (its timeout) aborts.
 */
export function connectorFor(
  options: Pick<SshOptions, "hostKeyChecking" | "knownHostsFile" | "connectTimeoutMs" | "sshConfigFile">,
): (connection: Connection, signal?: AbortSignal) => Promise<Transport> {
  return (connection, signal) =>
    connectTo(connection, {
      hostKeyChecking: options.hostKeyChecking,
      knownHostsFile: options.knownHostsFile,
      connectTimeoutMs: options.connectTimeoutMs,
      sshConfigFile: options.sshConfigFile,
      signal,
    });
}
