// The parsed project: what the user wrote, validated, with source locations, before any expansion.
// Expressions (`${{ ... }}`) stay unresolved here; core/plan resolves them per job.

/** A place in a project file; line and col are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** One problem in the user's input. Printed as `file:line:col: message (remedy)`. */
export interface Diagnostic extends SourceLocation {
  message: string;
  /** What to do instead, e.g. "did you mean `needs`?" or "expected a duration like 30s, 10m, 1h". */
  remedy?: string;
}

export type RetryWhen = 'failure' | 'timeout' | 'agent_lost';
export const retryWhenValues: readonly RetryWhen[] = ['failure', 'timeout', 'agent_lost'];

export interface RetrySpec {
  /** Extra attempts after the first (0 = no retry). */
  max: number;
  /** Which failures are retried; default: all three. */
  when: RetryWhen[];
}

export interface BatchSpec {
  /** May hold expressions, e.g. `bazel-${{ matrix.os }}`. */
  key: string;
  windowMs: number;
  max: number;
}

/** A needs entry as written: `job`, `pipeline/job`, `recipe/version` or `recipe/<request>`. */
export interface NeedRef {
  ref: string;
  loc: SourceLocation;
}

/** Keys a pipeline job and a recipe share. Strings may contain expressions. */
export interface JobTemplate {
  run: string[];
  image?: string;
  pool?: string;
  labels?: string[];
  env: Record<string, string>;
  inputs: string[];
  outputs: string[];
  /** undefined: default (on when inputs are given). */
  cache?: boolean;
  resourceGroup?: string;
  batch?: BatchSpec;
  timeoutMs?: number;
  retry?: RetrySpec;
  allowFailure: boolean;
  workingDirectory?: string;
  loc: SourceLocation;
}

export interface JobSpec extends JobTemplate {
  /** The key under `jobs:`. */
  name: string;
  needs: NeedRef[];
  /** Axis name -> values, in the order written. */
  matrix?: Record<string, string[]>;
  exclude: Record<string, string>[];
}

export interface PipelineSpec {
  name: string;
  pool: string;
  labels: string[];
  dependsOn: NeedRef[];
  concurrency?: number;
  resourceGroup?: string;
  image?: string;
  env: Record<string, string>;
  timeoutMs?: number;
  failFast: boolean;
  jobs: JobSpec[];
  onStart: string[];
  onSuccess: string[];
  onFailure: string[];
  loc: SourceLocation;
}

export type ProcessMode = 'unordered' | 'oldest_first' | 'newest_first' | 'newest_ready_first';
export type OnBusy = 'wait' | 'skip' | 'cancel' | 'parallel';

export interface ResourceGroupSettings {
  /** A group name or a glob with `*` (e.g. `staging-*`); the first matching entry wins, exact names before globs. */
  pattern: string;
  capacity: number;
  processMode: ProcessMode;
  onBusy: OnBusy;
  loc: SourceLocation;
}

export interface SettingsSpec {
  resourceGroups: ResourceGroupSettings[];
  /** `agent_lost_after`: how long an agent may stay silent before its attempts are lost and rerun (ms). */
  agentLostAfterMs?: number;
  /** Running jobs of all of the project's builds at once, across the farm (`max_running`). */
  maxRunning?: number;
}

/** A version request, e.g. `>=1.2.12`, `~3.0`, `3.0`, `=1.2.3`, or several joined by `,`. */
export interface VersionConstraint {
  op: '=' | '>=' | '>' | '<=' | '<' | '~' | 'prefix';
  version: string;
}

export interface Requirement {
  /** Recipe name. */
  name: string;
  /** All must hold; empty = any version. */
  constraints: VersionConstraint[];
  /** As written, for messages: `zlib/>=1.2.12`. */
  text: string;
  loc: SourceLocation;
}

export interface RecipeSpec extends JobTemplate {
  name: string;
  /** The versions that can be built, after brace expansion; at least one. */
  versions: string[];
  requires: Requirement[];
  /** Path of the recipe file, relative to the project root. */
  path: string;
}

export interface WorkspaceSpec {
  recipes: RecipeSpec[];
  loc: SourceLocation;
}

export interface ProjectSpec {
  pipelines: PipelineSpec[];
  settings: SettingsSpec;
  workspace?: WorkspaceSpec;
}

export interface ParseResult {
  /** Present only when there are no diagnostics. */
  spec?: ProjectSpec;
  diagnostics: Diagnostic[];
}

/**
 * The project's files as the spec and planner see them, without doing I/O themselves.
 * Paths are POSIX, relative to the project root, never starting with `./` or `../`.
 */
export interface ProjectFiles {
  /** Every regular file of the project, sorted (no `.git/`, no `node_modules/`). */
  list(): readonly string[];
  /** Text of a file, undefined when it does not exist. */
  readText(path: string): string | undefined;
  /** Size in bytes, undefined when it does not exist (lets the parser refuse huge files before reading). */
  size(path: string): number | undefined;
  /** Hex SHA-256 of a file's bytes. */
  hash(path: string): string;
}
