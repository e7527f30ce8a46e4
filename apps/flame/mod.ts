/**
 * What Flame's definition cannot say as data: the cluster's topology (workers reach the
 * first control-plane host, everyone the first cache host) and how `discover` reads an
 * installation's configuration back into variables.
 */
import { parse } from "yaml";
import type { TopologyContext, TopologyHost } from "../../src/app/app.ts";

/** `flame_endpoint` and `flame_cache_endpoint` defaults: the first control-plane (cache) host's address. */
export function topology({ host, hosts }: TopologyContext): Record<string, unknown> {
  const first = (profile: string): TopologyHost | undefined =>
    hosts.find((h) => h.profiles.includes(profile));
  const controlPlane = first("control-plane") ?? host;
  const cache = first("cache") ?? controlPlane;
  return {
    flame_endpoint: `http://${controlPlane.address}:8080`,
    flame_cache_endpoint: `grpc://${cache.address}:9090`,
  };
}

/** The cluster name and endpoints of an installed `conf/flame-cluster.yaml`. */
export function discover(files: Map<string, string>): { vars: Record<string, unknown>; warnings: string[] } {
  const path = "conf/flame-cluster.yaml";
  const text = files.get(path);
  if (text === undefined) {
    return { vars: {}, warnings: [`${path} is missing: the endpoints are left to the defaults`] };
  }
  let config: { cluster?: { name?: unknown; endpoint?: unknown }; cache?: { endpoint?: unknown } } | null;
  try {
    config = parse(text);
  } catch {
    return { vars: {}, warnings: [`${path} does not parse: the endpoints are left to the defaults`] };
  }
  const text_ = (value: unknown) => typeof value === "string" && value !== "" ? value : undefined;
  const name = text_(config?.cluster?.name);
  const endpoint = text_(config?.cluster?.endpoint);
  const cache = text_(config?.cache?.endpoint);
  return {
    vars: {
      ...(name ? { flame_cluster_name: name } : {}),
      ...(endpoint ? { flame_endpoint: endpoint } : {}),
      ...(cache ? { flame_cache_endpoint: cache } : {}),
    },
    warnings: [],
  };
}
