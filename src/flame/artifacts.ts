/** A file built once on the controller and sent to every host that needs it. */
export interface Artifact {
  name: string;
  path: string;
  /** SHA-256 (hex); empty when it is yet to be built (dry run). */
  sha256: string;
  size: number;
}

/** What the build produced (or, in a dry run, what it will produce). */
export interface Artifacts {
  srcDir: string;
  binaries: Map<string, Artifact>;
  /**
   * The flamepy wheel (name = its file name). In a dry run without a cached wheel:
   * `{ name: "flamepy", path: SRC/sdk/python, sha256: "", size: 0 }`.
   */
  wheel?: Artifact;
  /** True when nothing was built (dry run): binaries are planned from the source's state. */
  planned: boolean;
  /** The build log, when a build command ran. */
  logFile?: string;
  /** Removes the temporary clone, if any; safe to call twice. */
  cleanup(): Promise<void>;
}
