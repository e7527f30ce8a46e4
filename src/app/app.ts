/**
 * A loaded application: its checked definition, its templates and its optional module,
 * with what the roles ask of it (what a profile installs, the layout, the services in order).
 */
import { UsageError } from "../engine/errors.ts";
import type { InventoryHost } from "../inventory/types.ts";
import type { AppDefinition, LayoutDecl, PackageDecl, ServiceDecl } from "./definition.ts";

/** What an app's TypeScript module may add where data cannot say it. */
export interface AppModule {
  /**
   * Defaults of a host's variables that depend on the whole inventory (e.g. "the first
   * control-plane host's address"). Only variables the inventory leaves unset take them.
   */
  topology?(context: TopologyContext): Record<string, unknown>;
  /**
   * Reads the variables an installation was made with back from its kept files (`discover`):
   * file contents by path relative to the prefix.
   */
  discover?(files: Map<string, string>): { vars: Record<string, unknown>; warnings: string[] };
}

/** What `topology` sees. */
export interface TopologyContext {
  /** The host whose defaults are asked for. */
  host: TopologyHost;
  /** Every host of the inventory, in inventory order. */
  hosts: TopologyHost[];
}

/** A host as `topology` sees it. */
export interface TopologyHost {
  name: string;
  /** The address other hosts reach it on (loopback for a local connection). */
  address: string;
  /** Its profiles. */
  profiles: string[];
  /** Its app variables as set (full names), without topology defaults. */
  vars: Record<string, unknown>;
  inventory: InventoryHost;
}

/** A directory of the layout, with its mode as a number. */
export interface LayoutDir {
  /** Relative to the prefix; "" is the prefix itself. */
  path: string;
  mode: number;
  holds?: LayoutDecl["holds"];
  detail?: string;
}

/** Where a systemd unit is written. */
export const UNIT_DIR = "/etc/systemd/system";

/** An application ready for the roles. */
export class App {
  readonly definition: AppDefinition;
  /** The directory it was loaded from. */
  readonly dir: string;
  /** Its app.yaml. */
  readonly file: string;
  readonly module: AppModule;
  readonly #templates: Map<string, string>;

  constructor(
    definition: AppDefinition,
    source: { dir: string; file: string; templates: Map<string, string>; module?: AppModule },
  ) {
    this.definition = definition;
    this.dir = source.dir;
    this.file = source.file;
    this.module = source.module ?? {};
    this.#templates = source.templates;
    for (const file of definition.files ?? []) this.template(file.template);
    for (const service of definition.services ?? []) {
      if (service.unit_template) this.template(service.unit_template);
    }
  }

  get name(): string {
    return this.definition.name;
  }

  get title(): string {
    return this.definition.title;
  }

  /** The full name of a variable: `prefix` is `flame_prefix`. */
  varName(short: string): string {
    return `${this.definition.vars_prefix}${short}`;
  }

  /** Every profile, in the order they are declared. */
  get profiles(): string[] {
    return Object.keys(this.definition.profiles.of);
  }

  /** The full name of the variable holding a host's profiles. */
  get profilesVar(): string {
    return this.varName(this.definition.profiles.var);
  }

  /** Every artifact, in the order they are declared. */
  get artifacts(): string[] {
    return Object.keys(this.definition.artifacts);
  }

  /** The artifacts a host with these profiles gets, in declaration order. */
  artifactsFor(profiles: readonly string[]): string[] {
    const wanted = new Set(
      profiles.flatMap((profile) => this.definition.profiles.of[profile]?.artifacts ?? []),
    );
    return this.artifacts.filter((name) => wanted.has(name));
  }

  /** Where an artifact goes under the prefix. */
  artifactPath(prefix: string, name: string): string {
    return `${prefix}/${this.definition.artifacts[name].to}/${name}`;
  }

  /** The mode of an installed artifact. */
  artifactMode(name: string): number {
    return parseMode(this.definition.artifacts[name].mode ?? "0755");
  }

  /** The packages a host with these profiles gets, in declaration order. */
  packagesFor(profiles: readonly string[]): Array<{ name: string } & PackageDecl> {
    const wanted = new Set(
      profiles.flatMap((profile) => this.definition.profiles.of[profile]?.packages ?? []),
    );
    return Object.entries(this.definition.packages ?? {})
      .filter(([name]) => wanted.has(name))
      .map(([name, pkg]) => ({ name, ...pkg }));
  }

  /** Every service, in start order. */
  get services(): ServiceDecl[] {
    return this.definition.services ?? [];
  }

  /** The services a host with these profiles runs, in start order. */
  servicesFor(profiles: readonly string[]): ServiceDecl[] {
    const wanted = new Set(
      profiles.flatMap((profile) => this.definition.profiles.of[profile]?.services ?? []),
    );
    return this.services.filter((service) => wanted.has(service.name));
  }

  /** The layout in creation order, modes as numbers (0755 unless said). */
  get layout(): LayoutDir[] {
    return this.definition.layout.map((dir) => ({
      path: dir.path,
      mode: parseMode(dir.mode ?? "0755"),
      ...(dir.holds ? { holds: dir.holds } : {}),
      ...(dir.detail ? { detail: dir.detail } : {}),
    }));
  }

  /** The top-level directories that hold `what` (data, config or logs). */
  dirsHolding(what: NonNullable<LayoutDecl["holds"]>): string[] {
    return this.definition.layout.filter((dir) => dir.holds === what).map((dir) => dir.path);
  }

  /** A template's text by its name under templates/. */
  template(name: string): string {
    const text = this.#templates.get(name);
    if (text === undefined) {
      throw new UsageError(`The application ${this.name} has no template '${name}' in ${this.dir}/templates`);
    }
    return text;
  }
}

/** `"0755"` as a number. */
export function parseMode(text: string): number {
  return parseInt(text, 8);
}

/** Joins a prefix and a layout path. */
export function under(prefix: string, path: string): string {
  return path ? `${prefix}/${path}` : prefix;
}
