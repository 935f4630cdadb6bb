// Turns a job template (pipeline job or recipe) into the concrete fields of one planned job:
// defaults from the pipeline, env merged, every `${{ ... }}` substituted.
import { substituteExpressions } from '../spec/expressions';
import type { JobTemplate, RetrySpec } from '../spec/types';
import type { PlannedJob } from './types';

/** What a template is resolved against. */
export interface TemplateContext {
  pipelineName: string;
  /** The concrete job name (`compile[cc=gcc]`, or the version for a recipe job): the value of `${{ job.name }}`. */
  jobName: string;
  matrix?: Readonly<Record<string, string>>;
  version?: string;
  /** Pipeline-level defaults; the job's own keys win. */
  defaults: { pool?: string; labels?: readonly string[]; image?: string; timeoutMs?: number; env?: Readonly<Record<string, string>> };
}

/** The fields of a planned job that come from its template alone (no needs, key or critical path yet). */
export type ResolvedTemplate = Omit<PlannedJob, 'id' | 'pipeline' | 'name' | 'needs' | 'key' | 'criticalPath' | 'matrix' | 'version'>;

export const defaultPool = 'default';
export const defaultRetry: RetrySpec = { max: 0, when: ['failure', 'timeout', 'agent_lost'] };
/** `image: none` forces the shell executor even when the pipeline names an image. */
export const noImage = 'none';

function baseValues(context: TemplateContext): Record<string, string> {
  const values: Record<string, string> = { 'pipeline.name': context.pipelineName, 'job.name': context.jobName };
  if (context.version !== undefined) values.version = context.version;
  for (const [axis, value] of Object.entries(context.matrix ?? {})) values[`matrix.${axis}`] = value;
  return values;
}

/**
 * Pipeline env merged with job env (job wins). Values may use `${{ env.X }}` of the merged env one
 * level deep: each value is resolved against the others after their own matrix/version/name expressions.
 */
function resolveEnv(template: JobTemplate, context: TemplateContext, base: Record<string, string>): Record<string, string> {
  const merged: Record<string, string> = { ...context.defaults.env, ...template.env };
  const firstPass: Record<string, string> = {};
  for (const [name, value] of Object.entries(merged)) firstPass[name] = substituteExpressions(value, base);
  const envValues: Record<string, string> = { ...base };
  for (const [name, value] of Object.entries(firstPass)) envValues[`env.${name}`] = value;
  const env: Record<string, string> = {};
  for (const name of Object.keys(firstPass).sort()) env[name] = substituteExpressions(firstPass[name]!, envValues);
  return env;
}

/** Resolves a template; `workingDirectory` is left as written (after substitution) for the caller to check. */
export function resolveTemplate(template: JobTemplate, context: TemplateContext): ResolvedTemplate {
  const base = baseValues(context);
  const env = resolveEnv(template, context, base);
  const values: Record<string, string> = { ...base };
  for (const [name, value] of Object.entries(env)) values[`env.${name}`] = value;
  const resolve = (text: string): string => substituteExpressions(text, values);
  const image = resolve(template.image ?? context.defaults.image ?? noImage);
  const resolved: ResolvedTemplate = {
    run: template.run.map(resolve),
    image: image === noImage || image === '' ? undefined : image,
    pool: resolve(template.pool ?? (context.defaults.pool || defaultPool)),
    labels: (template.labels ?? context.defaults.labels ?? []).map(resolve),
    env,
    workingDirectory: resolve(template.workingDirectory ?? '.'),
    inputs: template.inputs.map(resolve),
    outputs: template.outputs.map(resolve),
    // "Without inputs, a job is never cached", even with `cache: true`.
    cache: (template.cache ?? true) && template.inputs.length > 0,
    retry: template.retry ? { max: template.retry.max, when: [...template.retry.when] } : { ...defaultRetry, when: [...defaultRetry.when] },
    allowFailure: template.allowFailure,
  };
  if (template.resourceGroup !== undefined) resolved.resourceGroup = resolve(template.resourceGroup);
  if (template.batch) resolved.batch = { key: resolve(template.batch.key), windowMs: template.batch.windowMs, max: template.batch.max };
  const timeoutMs = template.timeoutMs ?? context.defaults.timeoutMs;
  if (timeoutMs !== undefined) resolved.timeoutMs = timeoutMs;
  return resolved;
}
