/** Test helpers: the built-in Flame app, and a Flame spec for one host as planning sees it. */
import { loadApp } from "./load.ts";
import type { AppSpec } from "./spec.ts";

/** The built-in Flame application. */
export const flame = await loadApp("flame");

/** A Flame spec with today's defaults; `vars` are the template variables on top of the defaults. */
export function flameSpec(
  overrides: Partial<Omit<AppSpec, "vars">> & { vars?: Record<string, unknown> } = {},
): AppSpec {
  const prefix = overrides.prefix ?? "/usr/local/flame";
  const profiles = overrides.profiles ?? [...flame.profiles];
  return {
    app: flame,
    prefix,
    profiles,
    systemd: true,
    enable: false,
    clean: false,
    serviceUser: "flame",
    readyTimeoutS: 30,
    stamp: "20260101-000000",
    ...overrides,
    vars: {
      flame_prefix: prefix,
      flame_profiles: profiles,
      flame_cluster_name: "flame",
      flame_endpoint: "http://127.0.0.1:8080",
      flame_cache_endpoint: "grpc://127.0.0.1:9090",
      flame_resreq: "cpu=1,mem=2g",
      flame_policies: ["priority", "drf"],
      flame_max_executors: 128,
      ...overrides.vars,
    },
  };
}
