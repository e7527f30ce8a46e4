/**
 * The schema of an application definition (`app.yaml`): what to build, where it goes, which
 * services run it and how to tell they are healthy. Checked by zod; `muster apps --schema`
 * prints it as JSON Schema. Roles take a loaded definition as data.
 */
import { z } from "zod";

const mode = z.string().regex(/^0?[0-7]{3,4}$/, "a mode such as '0755'").describe("octal mode, e.g. '0755'");
const relPath = z.string().regex(/^(?!\/)(?!.*(^|\/)\.\.?(\/|$)).*$/, "a path relative to the prefix")
  .describe("a path relative to the prefix, without '.' or '..'");
const name = z.string().regex(
  /^[A-Za-z0-9][A-Za-z0-9_.@-]*$/,
  "a name of letters, digits, '.', '_', '@' and '-'",
);

/** A variable's declaration: its type, default and one-line doc (like a role's `defaults/main.yml`). */
export const variableSchema = z.strictObject({
  type: z.enum(["string", "path", "url", "name", "bool", "int", "list", "dict"]),
  doc: z.string().describe("one line: what the variable means"),
  default: z.unknown().optional(),
  /** For `list`: the values an item may take. */
  choices: z.array(z.string()).optional(),
  /** Shown in errors: what a good value looks like. */
  example: z.string().optional(),
  /** Rejects an empty list. */
  non_empty: z.boolean().optional(),
});

/** A readiness or health check of a service. */
export const checkSchema = z.union([
  z.strictObject({
    tcp: z.string().describe("host:port or a URL whose host and port are connected to; templated"),
    timeout: z.number().positive().optional(),
  }),
  z.strictObject({
    http: z.string().describe("URL fetched with GET; templated"),
    status: z.number().int().optional().describe("expected HTTP status (default 200)"),
    json: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional()
      .describe("JSON fields of the answer and their expected values, e.g. {status: healthy}"),
    timeout: z.number().positive().optional(),
  }),
  z.strictObject({
    command: z.string().describe("shell run on the host; healthy when it exits 0; templated"),
    timeout: z.number().positive().optional(),
  }),
]);

/** A systemd service of the application. */
export const serviceSchema = z.strictObject({
  name: name.describe("unit name without .service"),
  description: z.string(),
  /** The command line; templated. */
  exec: z.string(),
  /** Log file under the prefix (appended to); templated. */
  log: relPath.optional(),
  /** Working directory under the prefix. */
  working_dir: relPath.optional(),
  environment: z.record(z.string(), z.string()).optional().describe(
    "environment variables; values templated",
  ),
  /** Services of this app started before this one (After= and Requires= where both run on a host). */
  after: z.array(name).optional(),
  /** A unit template under templates/ instead of the generated unit. */
  unit_template: z.string().optional(),
  /** Names of install steps whose changes restart the service; default: any of them. */
  restart_on: z.array(z.string()).optional(),
  /** Waited for after start or restart. */
  ready: checkSchema.optional(),
  /** Checked after the services are up; an unhealthy service fails the host (exit 5). */
  health: z.array(checkSchema).optional(),
  limit_nofile: z.number().int().positive().optional(),
});

/** A file rendered from a template. */
export const fileSchema = z.strictObject({
  /** Step name in plans and reports. */
  id: name,
  path: relPath,
  template: z.string().describe("a file under templates/, Jinja2 syntax"),
  mode: mode.optional(),
  /** `keep`: written when missing, never overwritten (only `--clean`, `--repair`); `managed`: always as rendered. */
  policy: z.enum(["keep", "managed"]).optional(),
  /** A kept file must be this format and have these keys (dotted), or the install stops. */
  check: z.strictObject({ format: z.enum(["yaml", "json"]), require: z.array(z.string()).optional() })
    .optional(),
  /** Shown in the summary: `config` or `environment`. */
  kind: z.enum(["config", "environment", "other"]).optional(),
});

/** A Python package installed on hosts from wheels built on the controller. */
export const packageSchema = z.strictObject({
  /** `target`: `pip install --target DIR` (a directory put on PYTHONPATH); `venv`: a virtualenv at DIR. */
  kind: z.enum(["target", "venv"]),
  /** The wheel build (under `build.wheels`) it installs. */
  wheel: name,
  dir: relPath,
  /** Where the wheels are kept on the host. */
  wheels_dir: relPath,
  /** A module that must import afterwards. */
  import: z.string().optional(),
});

/** A directory of the layout. */
export const layoutSchema = z.strictObject({
  path: z.union([z.literal(""), relPath]),
  mode: mode.optional(),
  /** `data` is backed up and kept by --preserve-data; `config` by --preserve-config; `logs` by --preserve-logs. */
  holds: z.enum(["data", "config", "logs"]).optional(),
  /** What the directory holds, shown in uninstall plans. */
  detail: z.string().optional(),
});

/** The whole definition. */
export const appSchema = z.strictObject({
  name: name,
  /** Shown in messages: "Flame is installed in ...". */
  title: z.string(),
  description: z.string(),
  version: z.string().optional(),
  docs: z.string().optional(),
  /** Prefix of the app's inventory variables, e.g. `flame_`. */
  vars_prefix: z.string().regex(/^[a-z][a-z0-9_]*_$/, "lowercase letters, digits and '_', ending in '_'"),
  vars: z.record(z.string(), variableSchema),
  prefix: z.strictObject({
    default: z.string().startsWith("/"),
    /** Environment variable that overrides the default, e.g. FLAME_PREFIX. */
    env: z.string().optional(),
    /** Uninstall removes only a prefix whose path contains this. */
    must_contain: z.string(),
  }),
  user: z.strictObject({ name: name, home: z.string().startsWith("/") }),
  source: z.strictObject({
    repo: z.string().optional(),
    ref: z.string().optional(),
    /** Files or directories a source must have. */
    requires: z.array(z.string()).optional(),
  }),
  build: z.strictObject({
    /** `cargo build --release` of the workspace; its binaries are the artifacts `from: cargo`. */
    cargo: z.boolean().optional(),
    /** Python wheels built with the controller's pip, offline. */
    wheels: z.array(z.strictObject({
      name: name,
      /** The project directory in the source. */
      dir: z.string(),
      /** Also build the wheels of this requirements file (in the source). */
      requirements: z.string().optional(),
      /**
       * Where the requirements come from (in the source), as no package index is reachable: a
       * directory of wheels and of project directories (each built to a wheel first).
       */
      vendor: z.string().optional(),
    })).optional(),
    /** Shell commands run in the source directory before anything else. */
    commands: z.array(z.string()).optional(),
  }),
  artifacts: z.record(
    name,
    z.strictObject({
      from: z.enum(["cargo", "source"]),
      /** For `source`: the file's path in the source. */
      path: z.string().optional(),
      /** The directory under the prefix it goes to. */
      to: relPath,
      mode: mode.optional(),
    }),
  ),
  packages: z.record(name, packageSchema).optional(),
  layout: z.array(layoutSchema).min(1),
  files: z.array(fileSchema).optional(),
  /** Commands run on the host, their trimmed output available to templates as `facts.NAME`. */
  facts: z.record(name, z.string()).optional(),
  services: z.array(serviceSchema).optional(),
  /** The variable holding the host's profiles, and what each profile installs. */
  profiles: z.strictObject({
    var: z.string(),
    of: z.record(
      name,
      z.strictObject({
        artifacts: z.array(name).optional(),
        packages: z.array(name).optional(),
        services: z.array(name).optional(),
      }),
    ),
  }),
  uninstall: z.strictObject({
    /** Top-level entries of the prefix removed, in order. */
    remove: z.array(relPath),
    /** Paths only this app's installation has (any one makes a prefix "an installation"). */
    markers: z.array(relPath),
  }),
  /** A TypeScript module beside app.yaml (topology defaults, discovery). */
  module: z.string().optional(),
});

/** An application definition as written. */
export type AppDefinition = z.infer<typeof appSchema>;
export type VariableDecl = z.infer<typeof variableSchema>;
export type ServiceDecl = z.infer<typeof serviceSchema>;
export type CheckDecl = z.infer<typeof checkSchema>;
export type FileDecl = z.infer<typeof fileSchema>;
export type PackageDecl = z.infer<typeof packageSchema>;
export type LayoutDecl = z.infer<typeof layoutSchema>;
