import { quote } from "./quote.ts";
import type { Secret } from "./secret.ts";
import type { InputPiece, InputPieces } from "./transport.ts";

/** How a command is to be wrapped before it reaches the host's shell. */
export interface WrapOptions {
  /** Run through `sudo -u USER`: `sudo -n`, or with `askPassword` sudo's askpass. */
  become?: boolean;
  /** @default "root" */
  becomeUser?: string;
  /**
   * sudo may ask for a password, which comes as the first line of the command's stdin
   * (see `becomeInput`): the shell reads it into its environment, and sudo's askpass
   * helper (`printenv`) gives it to sudo if sudo asks. It never appears on a command line.
   */
  askPassword?: boolean;
  /** Environment variables set for the command. */
  env?: Record<string, string>;
  /** Working directory. */
  cwd?: string;
}

/** The variable that holds a sudo password between the shell's `read` and sudo's askpass. */
const PASSWORD_VAR = "MUSTER_BECOME_PASS";

/**
 * The one place where `become`, environment and working directory are applied to a
 * command. The result is a command line for `sh -c` (or an SSH exec channel).
 *
 * @example
 * ```ts
 * import { wrapCommand } from "./wrap.ts";
 * wrapCommand("id -u", { become: true }); // => exec sudo -n -u root -- sh -c '…id -u…'
 * ```
 */
export function wrapCommand(command: string, options: WrapOptions = {}): string {
  let inner = command;
  if (options.cwd) inner = `cd ${quote(options.cwd)} && ${inner}`;
  const env = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${quote(v)}`);
  if (env.length) inner = `env ${env.join(" ")} sh -c ${quote(inner)}`;
  if (!options.become) return inner;
  const user = quote(options.becomeUser ?? "root");
  // sudo relays a SIGTERM (a cancelled command) only to its child: the shell below runs
  // the command in the background and, on SIGTERM or SIGHUP, passes it to its whole
  // process group, so that a command stalled in a child ends too. Stdin goes to the
  // command through fd 3, since a background job's stdin would be /dev/null.
  inner = `exec 3<&0; (${inner}) <&3 3<&- & muster_pid=$!; exec 3<&-; ` +
    `trap 'trap - TERM HUP; kill -TERM 0' TERM HUP; wait "$muster_pid"`;
  // exec: the login shell becomes sudo (one process fewer), and a signal sent to the
  // session reaches sudo, which relays it to the shell below.
  if (!options.askPassword) return `exec sudo -n -u ${user} -- sh -c ${quote(inner)}`;
  // sudo runs its askpass program with the prompt as its argument: `printenv VAR` prints
  // the password. The command itself never sees the variable, even without env_reset.
  return `IFS= read -r ${PASSWORD_VAR} && export ${PASSWORD_VAR} && ` +
    `SUDO_ASKPASS=$(command -v printenv) exec sudo -A -p ${PASSWORD_VAR} -u ${user} -- ` +
    `sh -c ${quote(`unset ${PASSWORD_VAR}; ${inner}`)}`;
}

/**
 * The stdin of a command wrapped with `askPassword`: the password's line, then the
 * command's own input.
 *
 * @example
 * ```ts
 * import { becomeInput } from "./wrap.ts";
 * import { Secret } from "./secret.ts";
 * becomeInput(new Secret(() => "pw"), "echo hi\n"); // => "pw\necho hi\n"
 * ```
 */
export function becomeInput(
  password: Secret,
  stdin?: string | Uint8Array | InputPieces,
): string | Uint8Array | InputPieces {
  const line = `${password.reveal()}\n`;
  if (stdin === undefined || typeof stdin === "string") return line + (stdin ?? "");
  const head = new TextEncoder().encode(line);
  if (!(stdin instanceof Uint8Array)) return withHead(head, stdin);
  const bytes = new Uint8Array(head.length + stdin.length);
  bytes.set(head);
  bytes.set(stdin, head.length);
  return bytes;
}

async function* withHead(head: Uint8Array, pieces: InputPieces): AsyncIterable<InputPiece> {
  yield head;
  yield* pieces;
}
