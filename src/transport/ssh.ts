/**
 * The SSH transport: one node-ssh (ssh2) connection per host for the whole run, one exec
 * channel per command. Host keys are checked against `known_hosts` (accept-new), files
 * are streamed into `cat > file` over an exec channel (faster than SFTP), and `become`
 * is applied by `wrapCommand` only.
 */

import type { Buffer } from "node:buffer";
import { homedir } from "node:os";
import { join, posix } from "node:path";
// Before ssh2 loads: its chacha20 ciphers must free their native memory (see the module).
import "./chacha20.ts";
import { NodeSSH } from "node-ssh";
import { CommandError, ConnectionError, InstallError, type MusterError } from "../engine/errors.ts";
import { abortError } from "./abort.ts";
import { readSshArgs } from "./ssh_args.ts";
import { readSshConfig } from "./ssh_config.ts";
import { forwardStream, proxyCommandStream, type ProxyStream } from "./ssh_proxy.ts";
import { expandProxyCommand, type HostKeyChecking, type SshTarget, sshTarget } from "./ssh_target.ts";
import {
  checkHostKey,
  fingerprint,
  type HostKeyStatus,
  keyTypeOf,
  type KnownHostsEntry,
  knownHostsName,
  knownKeyTypes,
  readKnownHosts,
  verifyHostKey,
} from "./known_hosts.ts";
import { unpackCommand } from "./packing.ts";
import { quote } from "./quote.ts";
import { authMethods, currentUser, lowerFirst } from "./ssh_auth.ts";
import {
  type ChannelInput,
  type ChannelResult,
  driveChannel,
  openChannel,
  type OpenedChannel,
  Slots,
  type SshClient,
} from "./ssh_channel.ts";
import type { Connection, PutOptions, RunOptions, RunResult, Transport } from "./transport.ts";
import { becomeInput, wrapCommand } from "./wrap.ts";

/** Options of an SSH connection. */
export interface SshOptions {
  /**
   * "accept-new" (default): unknown hosts are recorded in known_hosts; a changed key refuses the host.
   * "yes": unknown hosts are refused too. "off": no checking. SSH arguments and ~/.ssh/config
   * (`StrictHostKeyChecking`) override it, except "off".
   */
  hostKeyChecking?: HostKeyChecking;
  /** known_hosts file. @default ~/.ssh/known_hosts (HOME from env) */
  knownHostsFile?: string;
  /** Connect timeout in ms (`ConnectTimeout` overrides it). @default 10000 */
  connectTimeoutMs?: number;
  /** The ssh config file (`-F` in the SSH arguments overrides it). @default ~/.ssh/config */
  sshConfigFile?: string;
  /** Aborts connecting: the connection attempt ends and a `CancelledError` is thrown. */
  signal?: AbortSignal;
}

/**
 * Ciphers, most wanted first: ssh2's defaults with chacha20-poly1305 moved to the front.
 * Under Deno ssh2 has no native crypto binding, and there chacha20-poly1305 costs the
 * controller about half the CPU per byte of AES-GCM; uploads to a fleet are bound by
 * the controller's one thread.
 */
const CIPHERS = [
  "chacha20-poly1305@openssh.com",
  "aes128-gcm@openssh.com",
  "aes256-gcm@openssh.com",
  "aes128-ctr",
  "aes192-ctr",
  "aes256-ctr",
];

/** ssh2's host key algorithms, in its default order of preference. */
const HOST_KEY_ALGORITHMS = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-512",
  "rsa-sha2-256",
  "ssh-rsa",
];
/** Open channels per connection: OpenSSH's default `MaxSessions`. */
const MAX_CHANNELS = 10;
/** Retries of a channel the server refused to open (about 10 s in all). */
const OPEN_RETRIES = 20;
const KEEPALIVE_INTERVAL_MS = 15_000;
const KEEPALIVE_COUNT_MAX = 4;
/** Jump hosts in a row at most: a ProxyJump loop in ~/.ssh/config ends here. */
const MAX_HOPS = 8;

/**
 * Connects to a host over SSH and returns its transport. Where it goes comes from the
 * inventory (`ansible_host`, `ansible_port`, `ansible_user`, key file), then the SSH
 * arguments of `connection.sshArgs`, then `~/.ssh/config` (see `sshTarget`); through
 * `ProxyJump` hosts (each one's host key checked) or a `ProxyCommand` when they say so.
 * Logs in with the key files given, else those of `~/.ssh/id_ed25519`, `id_ecdsa`,
 * `id_rsa` that exist, then the SSH agent (`SSH_AUTH_SOCK`), then the inventory's password.
 *
 * A command aborted through `RunOptions.signal` (or an upload through
 * `PutOptions.signal`) rejects at once with a `CancelledError`; its channel is closed
 * and its process group is sent SIGTERM (sshd refuses that for root logins).
 *
 * @throws {ConnectionError} when the host cannot be reached, refuses the login, or its
 * host key does not match `known_hosts`; the message says which.
 * @throws {InventoryError} when the SSH arguments hold an option muster does not support
 * @throws {CancelledError} when `options.signal` aborts while connecting
 *
 * @example
 * ```ts ignore
 * import { connectSsh } from "./ssh.ts";
 * const host = await connectSsh({
 *   name: "web1", kind: "ssh", address: "127.0.0.11", port: 22, user: "deploy",
 *   become: false, becomeUser: "root",
 * });
 * const { stdout } = await host.run("uname -r");
 * await host.close();
 * ```
 */
export async function connectSsh(connection: Connection, options: SshOptions = {}): Promise<Transport> {
  const { target, configFile } = await _targetOf(connection, options);
  const opened = await _open(target, {
    password: connection.password?.reveal(),
    configFile,
    options,
    hops: 0,
  });
  return new SshTransport(connection, opened.client, opened.label, opened.release);
}

/**
 * Where an SSH connection to the host goes (its SSH arguments and ~/.ssh/config read):
 * the host and port, and the jump host or proxy command it goes through, if any. For
 * `validate`, which checks that the controller can resolve what it connects to itself.
 *
 * @throws {InventoryError} or {ConnectionError} as `connectSsh` does for the same settings
 */
export async function sshRoute(
  connection: Connection,
  options: Pick<SshOptions, "sshConfigFile"> = {},
): Promise<{ host: string; port: number; via?: string }> {
  const { target } = await _targetOf(connection, options);
  const via = target.jump?.length
    ? `jump host ${target.jump.map((hop) => hop.host).join(", ")}`
    : target.proxyCommand
    ? `ProxyCommand ${target.proxyCommand}`
    : undefined;
  return { host: target.host, port: target.port, ...(via ? { via } : {}) };
}

async function _targetOf(
  connection: Connection,
  options: SshOptions,
): Promise<{ target: SshTarget; configFile?: string }> {
  const args = readSshArgs(connection.sshArgs ?? []);
  const configFile = args.configFile ?? options.sshConfigFile;
  const config = await readSshConfig(connection.address, { file: configFile, user: connection.user });
  const target = sshTarget(
    {
      address: connection.address,
      port: connection.portIsDefault ? undefined : connection.port,
      user: connection.user,
      privateKeyFile: connection.privateKeyFile,
      hostKeyChecking: options.hostKeyChecking,
      knownHostsFile: options.knownHostsFile,
      connectTimeoutMs: options.connectTimeoutMs,
    },
    args,
    config,
  );
  return { target, configFile };
}

interface _OpenContext {
  password?: string;
  configFile?: string;
  options: SshOptions;
  hops: number;
}

interface _Opened {
  client: SshClient;
  /** `user@host:port`, for messages. */
  label: string;
  /** Ends what carries the connection (proxy command, jump connections), once it is closed. */
  release: () => void;
}

/** Opens one SSH connection to `target`, through its jump hosts or proxy command. */
async function _open(target: SshTarget, context: _OpenContext): Promise<_Opened> {
  const { options } = context;
  const user = target.user ?? await currentUser();
  const label = `${user}@${target.host}:${target.port}`;
  const timeoutMs = target.connectTimeoutMs;
  const fail = (reason: string, cause?: unknown) =>
    new ConnectionError(`Cannot connect to ${label}: ${reason}`, { cause });
  if (options.signal?.aborted) throw abortError(options.signal, `Cancelled: connecting to ${label}`);

  const auth = await authMethods(user, target.keyFiles, fail, { password: context.password });
  const tried: string[] = [];
  const algorithms: Record<string, string[]> = { cipher: CIPHERS };
  if (target.compression) algorithms.compress = ["zlib@openssh.com", "zlib", "none"];
  const config: Record<string, unknown> = {
    host: target.host,
    port: target.port,
    username: user,
    readyTimeout: timeoutMs,
    keepaliveInterval: target.keepaliveIntervalMs ?? KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: target.keepaliveCountMax ?? KEEPALIVE_COUNT_MAX,
    algorithms,
    authHandler: () => {
      const next = auth.methods[tried.length];
      if (!next) return false;
      tried.push(next.label);
      return next.method;
    },
  };

  let refusal: string | undefined;
  let record: (() => Promise<void>) | undefined;
  if (target.hostKeyChecking !== "off") {
    const file = target.knownHostsFile ?? join(homedir(), ".ssh", "known_hosts");
    const name = knownHostsName(target.host, target.port);
    let entries: KnownHostsEntry[];
    try {
      entries = await readKnownHosts(file);
    } catch (error) {
      throw fail(`cannot read ${file}: ${lowerFirst((error as Error).message)}`, error);
    }
    const strict = target.hostKeyChecking === "yes";
    // Ask for the key types already recorded first, as OpenSSH does.
    algorithms.serverHostKey = _hostKeyAlgorithms(knownKeyTypes(entries, name));
    // Synchronous on purpose: with an asynchronous verifier, ssh2 1.17 under Deno now and
    // then stalls the key exchange until the timeout. A new key is recorded afterwards.
    config.hostVerifier = (key: Buffer): boolean => {
      const blob = new Uint8Array(key);
      const status = checkHostKey(entries, name, blob);
      refusal = _hostKeyRefusal(status, { blob, file, name, strict });
      if (status.status === "new" && !strict) {
        record = async () => {
          try {
            refusal = _hostKeyRefusal(await verifyHostKey(file, name, blob), { blob, file, name, strict });
          } catch (error) {
            refusal = `cannot record the host key in ${file}: ${lowerFirst((error as Error).message)}`;
          }
        };
      }
      return refusal === undefined;
    };
  }

  // What carries the connection, when it is not a TCP socket of its own.
  let carrier: ProxyStream | undefined;
  let jump: _Opened | undefined;
  const releaseCarrier = () => {
    carrier?.close();
    jump?.client.end();
    jump?.release();
  };
  if (target.jump?.length) {
    if (context.hops >= MAX_HOPS) throw fail(`more than ${MAX_HOPS} jump hosts (a ProxyJump loop?)`);
    const hops = target.jump;
    const hop = hops[hops.length - 1];
    const hopConfig = await readSshConfig(hop.host, { file: context.configFile, user: hop.user });
    const hopTarget = sshTarget(
      {
        address: hop.host,
        port: hop.port,
        user: hop.user,
        hostKeyChecking: options.hostKeyChecking,
        knownHostsFile: target.knownHostsFile ?? options.knownHostsFile,
        connectTimeoutMs: timeoutMs,
      },
      {},
      hopConfig,
    );
    if (hops.length > 1) {
      hopTarget.jump = hops.slice(0, -1);
      delete hopTarget.proxyCommand;
    }
    try {
      jump = await _open(hopTarget, { ...context, password: undefined, hops: context.hops + 1 });
    } catch (error) {
      if (!(error instanceof ConnectionError)) throw error;
      throw fail(`through jump host ${hop.host}: ${lowerFirst(error.message)}`, error);
    }
    try {
      carrier = await forwardStream(jump.client, target.host, target.port);
    } catch (error) {
      releaseCarrier();
      throw fail(
        `jump host ${jump.label} cannot open a connection to ${target.host}:${target.port}: ${
          lowerFirst((error as Error).message)
        }`,
        error,
      );
    }
  } else if (target.proxyCommand) {
    const command = expandProxyCommand(target.proxyCommand, {
      host: target.host,
      port: target.port,
      user,
      name: target.name,
    });
    carrier = proxyCommandStream(command);
  }
  if (carrier) config.sock = carrier.sock;

  const ssh = new NodeSSH();
  let failure: unknown;
  const connecting = ssh.connect(config);
  // NodeSSH gives no handle on the client until it is ready: an abort stops waiting, ends
  // the carrier, and ends the connection if it is made after all.
  let onAbort = () => {};
  const aborted = new Promise<"aborted">((resolve) => {
    onAbort = () => resolve("aborted");
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    if (await Promise.race([connecting, aborted]) === "aborted") {
      connecting.then((made) => made.dispose(), () => {});
    }
  } catch (error) {
    failure = error;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
  if (options.signal?.aborted) {
    releaseCarrier();
    throw abortError(options.signal, `Cancelled: connecting to ${label}`);
  }
  const client = ssh.connection as unknown as SshClient | null;
  // Like OpenSSH, record a new host even when the login then fails.
  await record?.();
  if (failure !== undefined || refusal !== undefined || !client) {
    client?.end();
    releaseCarrier();
    let reason = refusal ?? _describeFailure(failure, { user, tried, skipped: auth.skipped, timeoutMs });
    const said = carrier?.stderr();
    if (said && target.proxyCommand) {
      reason += ` (ProxyCommand said: ${said.split("\n").slice(-3).join("; ")})`;
    }
    throw fail(reason, failure);
  }
  return { client, label, release: releaseCarrier };
}

interface _ExecOptions {
  input?: ChannelInput;
  onInputSent?: () => void;
  signal?: AbortSignal;
  onStdout?: (chunk: string) => void;
}

class SshTransport implements Transport {
  readonly connection: Connection;
  readonly #client: SshClient;
  readonly #target: string;
  readonly #slots = new Slots(MAX_CHANNELS);
  /** Ends what carries the connection (proxy command, jump hosts). */
  readonly #release: () => void;
  /** Why the connection is gone, once it is. */
  #lost?: string;
  #closing?: Promise<void>;

  constructor(connection: Connection, client: SshClient, target: string, release: () => void = () => {}) {
    this.connection = connection;
    this.#client = client;
    this.#target = target;
    this.#release = release;
    client.on("error", (error: Error) => {
      this.#lost ??= lowerFirst(error.message);
    });
    client.on("close", () => {
      this.#lost ??= "the server closed the connection";
    });
  }

  async run(command: string, options: RunOptions = {}): Promise<RunResult> {
    const become = options.become ?? this.connection.become;
    const password = become ? this.connection.becomePassword : undefined;
    const wrapped = wrapCommand(command, {
      become,
      becomeUser: this.connection.becomeUser,
      askPassword: password !== undefined,
    });
    const result = await this.#exec(wrapped, {
      input: password ? becomeInput(password, options.stdin) : options.stdin,
      onInputSent: options.onInputSent,
      signal: options.signal,
      onStdout: options.onStdout,
    });
    return { code: result.code, stdout: new TextDecoder().decode(result.stdout), stderr: result.stderr };
  }

  async put(source: string | Uint8Array, remotePath: string, options: PutOptions = {}): Promise<void> {
    const path = quote(remotePath);
    const mode = (options.mode ?? 0o600).toString(8);
    const parent = quote(posix.dirname(remotePath));
    const write = options.packed ? unpackCommand(options.packed) : "cat";
    // test is the shell's own: mkdir runs only for the first file of a directory. A new file
    // of mode 0600 is made so by the umask: the writer replaces the shell, no chmod follows.
    const written = `${write} > ${path} && chmod ${mode} -- ${path}`;
    const command = `umask 077; { [ -d ${parent} ] || mkdir -p -- ${parent}; } && ` +
      (mode === "600" ? `if [ -e ${path} ]; then ${written}; else exec ${write} > ${path}; fi` : written);
    let file: Deno.FsFile | undefined;
    if (typeof source === "string") {
      try {
        file = await Deno.open(source);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound || error instanceof Deno.errors.PermissionDenied)) {
          throw error;
        }
        throw new InstallError(`Cannot upload ${source} to ${this.connection.name}: ${error.message}`, {
          cause: error,
        });
      }
    }
    try {
      const input = file ?? source;
      const result = await this.#exec(command, { input, signal: options.signal });
      if (result.code !== 0) {
        throw _commandError(`Cannot write ${remotePath} on ${this.connection.name}`, result);
      }
    } finally {
      file?.close();
    }
  }

  async get(remotePath: string): Promise<Uint8Array> {
    const result = await this.#exec(`cat -- ${quote(remotePath)}`, {});
    if (result.code !== 0) {
      throw _commandError(`Cannot read ${remotePath} on ${this.connection.name}`, result);
    }
    return new Uint8Array(result.stdout);
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      if (this.#lost !== undefined) return resolve();
      this.#lost = "the connection was closed";
      const timer = setTimeout(resolve, 2000);
      this.#client.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      this.#client.end();
    }).finally(() => this.#release());
    return this.#closing;
  }

  #lostError(): ConnectionError {
    if (this.#closing) return new ConnectionError(`Connection to ${this.#target} is closed`);
    return new ConnectionError(`Lost connection to ${this.#target}: ${this.#lost ?? "unknown reason"}`);
  }

  #cancelled(signal?: AbortSignal): MusterError {
    return abortError(signal, `Cancelled: command on ${this.connection.name} aborted`);
  }

  async #exec(command: string, options: _ExecOptions): Promise<ChannelResult> {
    const { signal } = options;
    if (signal?.aborted) throw this.#cancelled(signal);
    if (this.#lost !== undefined) throw this.#lostError();
    const release = await this.#slots.acquire(signal);
    if (!release) throw this.#cancelled(signal);
    try {
      const opened = await this.#open(command, signal);
      return await driveChannel(opened, {
        ...options,
        cancelled: () => this.#cancelled(signal),
        lost: () => this.#lost === undefined ? undefined : this.#lostError(),
      });
    } finally {
      release();
    }
  }

  /**
   * Opens an exec channel. sshd frees a session a little after its channel closes, so
   * an open it refuses (MaxSessions) is retried with backoff before giving up.
   */
  async #open(command: string, signal?: AbortSignal): Promise<OpenedChannel> {
    for (let attempt = 0;; attempt++) {
      try {
        return await openChannel(this.#client, command);
      } catch (error) {
        if (this.#lost !== undefined) throw this.#lostError();
        const refused = (error as { reason?: unknown }).reason !== undefined;
        if (!refused || attempt >= OPEN_RETRIES) {
          throw new ConnectionError(`Cannot open a channel to ${this.#target}: ${(error as Error).message}`, {
            cause: error,
            hint: refused ? "The server limits channels per connection (sshd_config MaxSessions)" : undefined,
          });
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** Math.min(attempt, 6)));
      if (signal?.aborted) throw this.#cancelled(signal);
    }
  }
}

function _commandError(what: string, result: ChannelResult): CommandError {
  const detail = result.stderr.trim() || `exit code ${result.code}`;
  return new CommandError(`${what}: ${detail}`, result.code, result.stderr);
}

function _hostKeyAlgorithms(knownTypes: string[]): string[] {
  const preferred = knownTypes.flatMap((type) =>
    type === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [type]
  ).filter((algorithm) => HOST_KEY_ALGORITHMS.includes(algorithm));
  return [...new Set([...preferred, ...HOST_KEY_ALGORITHMS])];
}

/** Why a host key is refused, or undefined when it is accepted. */
function _hostKeyRefusal(
  status: HostKeyStatus,
  context: { blob: Uint8Array; file: string; name: string; strict?: boolean },
): string | undefined {
  const { blob, file, name } = context;
  const type = keyTypeOf(blob);
  switch (status.status) {
    case "known":
      return undefined;
    case "new":
      if (!context.strict) return undefined;
      return `host key unknown: ${file} has no key for ${name}, and StrictHostKeyChecking is yes ` +
        `(it offers a ${type} key, ${fingerprint(blob)}); add it to ${file}, or use accept-new`;
    case "revoked":
      return `host key revoked: the ${type} key it offers (${
        fingerprint(blob)
      }) is marked @revoked in ${file} line ${status.line}`;
    case "changed": {
      const recorded = status.keyType === type
        ? `${file} line ${status.line} records another ${type} key for ${name} than the one it offers`
        : `${file} line ${status.line} records a ${status.keyType} key for ${name}, but it offers a ${type} key`;
      const fix = `ssh-keygen -R ${quote(name)} -f ${quote(file)}`;
      return `host key changed: ${recorded} (${fingerprint(blob)}); ` +
        "someone may be intercepting the connection, or the host was reinstalled; " +
        `if the new key is expected, remove the old one and connect again: ${fix}`;
    }
  }
}

interface _FailureContext {
  user: string;
  tried: string[];
  skipped: string[];
  timeoutMs: number;
}

/** Turns an ssh2 or socket error from connecting into the reason a user can act on. */
function _describeFailure(error: unknown, context: _FailureContext): string {
  if (error === undefined) return "the server closed the connection";
  const { code, level, message } = error as { code?: string; level?: string; message?: string };
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "EHOSTUNREACH":
      return "host unreachable";
    case "ENETUNREACH":
      return "network unreachable";
    case "ECONNRESET":
      return "connection reset by the server";
    case "ETIMEDOUT":
      return `timed out after ${context.timeoutMs} ms`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      return "host name not found (DNS lookup failed)";
  }
  if (level === "client-timeout") return `timed out after ${context.timeoutMs} ms`;
  if (level === "client-dns") return "host name not found (DNS lookup failed)";
  if (level === "client-authentication" || level === "agent") {
    const notes = context.skipped.map((note) => `skipped ${note}`);
    if (level === "agent") notes.push(`the SSH agent failed: ${lowerFirst(message ?? "")}`);
    const tried = context.tried.join(", ") + (notes.length ? `; ${notes.join("; ")}` : "");
    return `authentication failed for user ${context.user} (tried ${tried})`;
  }
  if (message === "No response from server") return "the server closed the connection during the handshake";
  return lowerFirst(message ?? String(error));
}
