/**
 * The transport interface: how muster reaches a host. A transport runs shell commands,
 * writes and reads files, and closes. `local` and `ssh` implement it; `become` (sudo)
 * is applied in one place, `wrapCommand`.
 */

import type { SourcePosition } from "../engine/errors.ts";
import type { Packing } from "./packing.ts";
import type { Secret } from "./secret.ts";

/** How to reach one host, from its inventory variables. */
export interface Connection {
  /** Inventory name of the host. */
  name: string;
  /** `local` runs on this machine; `ssh` connects. */
  kind: "local" | "ssh";
  /** Address to connect to (`ansible_host`, else the name). */
  address: string;
  /** SSH port. @default 22 */
  port: number;
  /** Login user; undefined means the current user. */
  user?: string;
  /** Private key file (`ansible_ssh_private_key_file`). */
  privateKeyFile?: string;
  /** Run commands through `sudo -n` (`ansible_become`). */
  become: boolean;
  /** User to become. @default "root" */
  becomeUser: string;
  /** True when the inventory gives no port: `port` is 22, unless SSH arguments or ~/.ssh/config say another. */
  portIsDefault?: boolean;
  /**
   * SSH command-line arguments (`ansible_ssh_args`, `ansible_ssh_common_args`,
   * `ansible_ssh_extra_args`), in the order Ansible passes them to `ssh`; read when connecting.
   */
  sshArgs?: { variable: string; value: string; position?: SourcePosition }[];
  /** Login password (`ansible_password`, `ansible_ssh_pass`). */
  password?: Secret;
  /** sudo password (`ansible_become_password`, `ansible_become_pass`): sudo may ask for it. */
  becomePassword?: Secret;
  /**
   * Why the host's connection variables cannot be used (a `docker` connection, an
   * unevaluated template): connecting to it fails with this error, the other hosts go on.
   */
  unusable?: Error;
}

/**
 * A piece of a command's standard input: bytes, or a file on the controller, read in
 * chunks as it is sent (never held whole in memory).
 */
export type InputPiece = Uint8Array | { file: string };

/** A command's standard input as pieces, sent in order; an async one may wait before its next piece. */
export type InputPieces = Iterable<InputPiece> | AsyncIterable<InputPiece>;

/** Options of one command run. */
export interface RunOptions {
  /** Data written to the command's standard input: text, bytes, or pieces sent in order. */
  stdin?: string | Uint8Array | InputPieces;
  /** Called once the whole of `stdin` is sent (before the command ends). */
  onInputSent?: () => void;
  /** Run through `sudo -n` as the connection's become user. @default the connection's `become` */
  become?: boolean;
  /** Aborts the command. */
  signal?: AbortSignal;
  /** Called with each chunk of standard output as it arrives. */
  onStdout?: (chunk: string) => void;
}

/** What a command did. */
export interface RunResult {
  /** Exit code (the signal number plus 128 when killed). */
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of a file upload. */
export interface PutOptions {
  /** File mode to set. @default 0o600 */
  mode?: number;
  signal?: AbortSignal;
  /** The source is compressed so: the host unpacks it into `remotePath` (`packing.ts`). */
  packed?: Packing;
}

/** A connection to one host. */
export interface Transport {
  readonly connection: Connection;
  /** Runs a shell command (`sh -c`) on the host; never throws for a non-zero exit. */
  run(command: string, options?: RunOptions): Promise<RunResult>;
  /** Writes a local file (or bytes) to `remotePath` as the login user, never through sudo. */
  put(source: string | Uint8Array, remotePath: string, options?: PutOptions): Promise<void>;
  /** Reads a file from the host as the login user. */
  get(remotePath: string): Promise<Uint8Array>;
  /** Closes the connection; safe to call twice. */
  close(): Promise<void>;
}
