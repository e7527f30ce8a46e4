/** A file built once on the controller and sent to every host that needs it. */
export interface Artifact {
  name: string;
  path: string;
  /** SHA-256 (hex); empty when it is yet to be built (dry run). */
  sha256: string;
  size: number;
}

/** The wheels of one `build.wheels` entry: the project's own and those of its requirements. */
export interface WheelSet {
  /**
   * The project's wheel (name = its file name). In a dry run without a cached wheel:
   * `{ name: BUILD_NAME, path: SRC/DIR, sha256: "", size: 0 }`.
   */
  main: Artifact;
  /** Wheels of the requirements, in file name order. */
  requirements: Artifact[];
  /**
   * The pure-Python wheel (no requirements) installed once on the controller with
   * `pip --target`, as a tarball (`.tar.gz`): hosts unpack it instead of each running pip.
   */
  prebuilt?: Artifact;
}

/** What the build produced (or, in a dry run, what it will produce). */
export interface Artifacts {
  srcDir: string;
  /** Files by artifact name (binaries from cargo, files from the source). */
  files: Map<string, Artifact>;
  /** Wheels by build name. */
  wheels: Map<string, WheelSet>;
  /** True when nothing was built (dry run): binaries are planned from the source's state. */
  planned: boolean;
  /** The build log, when a build command ran. */
  logFile?: string;
  /** Removes the temporary clone, if any; safe to call twice. */
  cleanup(): Promise<void>;
}
