import type { Profile } from "./components.ts";

/** The wanted state of Flame on one host, from the inventory and the command line. */
export interface FlameSpec {
  /** Absolute installation prefix. */
  prefix: string;
  profiles: Profile[];
  clusterName: string;
  /** `http://host:port` of the session manager. */
  endpoint: string;
  /** `grpc://host:port` of the object cache. */
  cacheEndpoint: string;
  /** Install systemd units. */
  systemd: boolean;
  /** Enable and start the services. */
  enable: boolean;
  /** Back up, remove and reinstall. */
  clean: boolean;
  /** The user that owns a system-wide installation and runs the services. @default "flame" */
  serviceUser: string;
  /** Seconds to wait for the session manager to accept connections. @default 30 */
  readyTimeoutS: number;
  /** Timestamp used in backup directory names (`YYYYMMDD-HHMMSS`). */
  stamp: string;
}

/** The default prefix: `FLAME_PREFIX` or `/usr/local/flame` (RFE333). */
export function defaultPrefix(env: { get(key: string): string | undefined } = Deno.env): string {
  return env.get("FLAME_PREFIX") || "/usr/local/flame";
}

/** `YYYYMMDD-HHMMSS` in local time, for backup directory names. */
export function stampOf(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-` +
    `${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
}
