import { quote } from "./quote.ts";

/** How a command is to be wrapped before it reaches the host's shell. */
export interface WrapOptions {
  /** Run through `sudo -n -u USER`. */
  become?: boolean;
  /** @default "root" */
  becomeUser?: string;
  /** Environment variables set for the command. */
  env?: Record<string, string>;
  /** Working directory. */
  cwd?: string;
}

/**
 * The one place where `become`, environment and working directory are applied to a
 * command. The result is a command line for `sh -c` (or an SSH exec channel).
 *
 * @example
 * ```ts
 * import { wrapCommand } from "./wrap.ts";
 * wrapCommand("id -u", { become: true }); // => sudo -n -u root -- sh -c 'id -u'
 * ```
 */
export function wrapCommand(command: string, options: WrapOptions = {}): string {
  let inner = command;
  if (options.cwd) inner = `cd ${quote(options.cwd)} && ${inner}`;
  const env = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${quote(v)}`);
  if (env.length) inner = `env ${env.join(" ")} sh -c ${quote(inner)}`;
  if (!options.become) return inner;
  return `sudo -n -u ${quote(options.becomeUser ?? "root")} -- sh -c ${quote(inner)}`;
}
