// The plan: one DAG of concrete jobs for the whole project, after matrix expansion, recipe
// resolution and expression substitution. Plain data; everything downstream (scheduler,
// coordinator, CLI, UI) reads this.
import type { Diagnostic, ResourceGroupSettings, RetrySpec } from '../spec/types';

export interface PlannedJob {
  /** `pipeline/name`, e.g. `build-linux/compile[cc=gcc,os=debian]` or, for a recipe, `openssl/3.0.2`. */
  id: string;
  /** Pipeline name; for a recipe job, the recipe name. */
  pipeline: string;
  /** Job name after matrix expansion (`compile[cc=gcc,os=debian]`); for a recipe job, its version. */
  name: string;
  /** Commands with expressions resolved, run in order in one shell. */
  run: string[];
  /** Container image; undefined means the shell executor. */
  image?: string;
  pool: string;
  labels: string[];
  /** Pipeline env merged with job env, expressions resolved. */
  env: Record<string, string>;
  /** Normalised POSIX path relative to the project root; '.' for the root. */
  workingDirectory: string;
  inputs: string[];
  outputs: string[];
  cache: boolean;
  resourceGroup?: string;
  batch?: { key: string; windowMs: number; max: number };
  timeoutMs?: number;
  retry: RetrySpec;
  allowFailure: boolean;
  /** Every direct predecessor id (needs, pipeline depends_on, recipe requirements), sorted. */
  needs: string[];
  /** Hex SHA-256 cache key. */
  key: string;
  /**
   * Heaviest path from this job to any sink, counting this job: in ms of estimated duration when
   * earlier builds were measured, else in jobs (each weighs 1).
   */
  criticalPath: number;
  /** Expected duration in ms from earlier builds (its own, else its pipeline's or the project's median); absent when unknown. */
  estimateMs?: number;
  /** The matrix combination this job was expanded from. */
  matrix?: Record<string, string>;
  /** Recipe version, for recipe jobs. */
  version?: string;
}

export interface PlannedPipeline {
  name: string;
  pool: string;
  labels: string[];
  dependsOn: string[];
  concurrency?: number;
  resourceGroup?: string;
  failFast: boolean;
  /** Ids of its jobs, in plan order. */
  jobs: string[];
  onStart: string[];
  onSuccess: string[];
  onFailure: string[];
  /** True for the pseudo-pipeline that holds a recipe's versions. */
  recipe: boolean;
}

export interface Plan {
  pipelines: PlannedPipeline[];
  /** Topological order: every job comes after all of its needs; ties broken by id. */
  jobs: PlannedJob[];
  resourceGroups: ResourceGroupSettings[];
  /** `agent_lost_after` of the settings, when set (ms). */
  agentLostAfterMs?: number;
  /** `max_running` of the settings: running jobs of all of the project's builds at once. */
  maxRunning?: number;
}

export interface PlanResult {
  plan?: Plan;
  diagnostics: Diagnostic[];
}
