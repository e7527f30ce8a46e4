/** What the Flow Manager's definition cannot say as data: how `discover` reads its config.json back. */

/** `flow_manager_*` variables from an installed `conf/config.json`. */
export function discover(files: Map<string, string>): { vars: Record<string, unknown>; warnings: string[] } {
  const path = "conf/config.json";
  const text = files.get(path);
  if (text === undefined) {
    return { vars: {}, warnings: [`${path} is missing: the settings are left to the defaults`] };
  }
  let config: { socket_dir?: unknown; log_level?: unknown; server?: { host?: unknown; port?: unknown } };
  try {
    config = JSON.parse(text);
  } catch {
    return { vars: {}, warnings: [`${path} does not parse: the settings are left to the defaults`] };
  }
  const vars: Record<string, unknown> = {};
  if (typeof config.log_level === "string") vars.flow_manager_log_level = config.log_level;
  if (typeof config.socket_dir === "string") vars.flow_manager_socket_dir = config.socket_dir;
  if (typeof config.server?.host === "string") vars.flow_manager_host = config.server.host;
  if (typeof config.server?.port === "number") vars.flow_manager_port = config.server.port;
  return { vars, warnings: [] };
}
