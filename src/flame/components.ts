/** The Flame components muster installs, by profile (the real Flame binary names). */

/** A Flame profile a host can have. */
export type Profile = "control-plane" | "worker" | "cache" | "client";

/** Every profile, in the order they are listed by default. */
export const PROFILES: readonly Profile[] = ["control-plane", "worker", "cache", "client"];

/** Binaries installed for each profile. */
export const BINARIES_BY_PROFILE: Readonly<Record<Profile, readonly string[]>> = {
  "control-plane": ["flame-session-manager", "flmctl", "flmadm"],
  worker: ["flame-executor-manager", "flmping-service", "flmexec-service"],
  cache: ["flame-object-cache"],
  client: ["flmctl", "flmping", "flmexec"],
};

/** Every Flame binary muster knows, in a stable order. */
export const ALL_BINARIES: readonly string[] = [...new Set(Object.values(BINARIES_BY_PROFILE).flat())];

/** A Flame service and the profile that runs it. */
export interface Service {
  unit: string;
  binary: string;
  profile: Profile;
  description: string;
  /** Log file name under `PREFIX/logs/`. */
  log: string;
}

/** Services in start order: session manager, object cache, executor manager. */
export const SERVICES: readonly Service[] = [
  {
    unit: "flame-session-manager",
    binary: "flame-session-manager",
    profile: "control-plane",
    description: "Flame Session Manager",
    log: "fsm.log",
  },
  {
    unit: "flame-object-cache",
    binary: "flame-object-cache",
    profile: "cache",
    description: "Flame Object Cache",
    log: "foc.log",
  },
  {
    unit: "flame-executor-manager",
    binary: "flame-executor-manager",
    profile: "worker",
    description: "Flame Executor Manager",
    log: "fem.log",
  },
];

/** The binaries a host with these profiles gets, in a stable order. */
export function binariesFor(profiles: readonly Profile[]): string[] {
  const wanted = new Set(profiles.flatMap((profile) => BINARIES_BY_PROFILE[profile]));
  return ALL_BINARIES.filter((binary) => wanted.has(binary));
}

/** Whether a host with these profiles gets the Python SDK (workers and clients). */
export function needsSdk(profiles: readonly Profile[]): boolean {
  return profiles.includes("worker") || profiles.includes("client");
}

/** The services a host with these profiles runs, in start order. */
export function servicesFor(profiles: readonly Profile[]): Service[] {
  return SERVICES.filter((service) => profiles.includes(service.profile));
}
