import { connectSsh, type SshOptions } from "../transport/ssh.ts";
import { LocalTransport } from "../transport/local.ts";
import type { Connection, Transport } from "../transport/transport.ts";

/** Opens the transport a connection asks for: local, or SSH. */
export function connectTo(connection: Connection, ssh: SshOptions = {}): Promise<Transport> {
  if (connection.kind === "local") return Promise.resolve(new LocalTransport(connection));
  return connectSsh(connection, ssh);
}
