// One pipeline document: its own keys, then each of its jobs.
import type { DiagnosticSink } from './diagnostics';
import { checkExpressions, pipelineScope } from './expression-scope';
import type { ExpressionScope } from './expression-scope';
import { checkKeys, findEntry, readBoolean, readCommands, readInteger, readMap, readNonEmptyString, readStringList } from './fields';
import { readJob } from './job';
import { nameRules, pipelineNamePattern } from './names';
import type { NeedRef, PipelineSpec } from './types';
import { envNames, readDuration, readEnv } from './values';
import { checkDocumentVersion } from './version-field';
import type { YMap, YNode, YScalar } from './yaml-source';

/** Keys of a pipeline document. */
export const pipelineKeys = [
  'version', 'kind', 'name', 'pool', 'labels', 'depends_on', 'concurrency', 'resource_group', 'image',
  'env', 'timeout', 'fail_fast', 'jobs', 'on_start', 'on_success', 'on_failure',
] as const;

/** The pool of pipelines that name none. */
export const defaultPool = 'default';

const pipelineHints: Readonly<Record<string, string>> = {
  needs: 'pipelines wait for other pipelines with `depends_on`; `needs` belongs to jobs',
  stages: 'Farmhand has no stages: order jobs with `needs`',
  variables: 'Farmhand uses `env`',
  tags: 'Farmhand uses `labels`',
  run: '`run` belongs to a job under `jobs`',
};

/** Reads a pipeline document; the name may be missing (reported) and then is ''. */
export function readPipeline(sink: DiagnosticSink, map: YMap): PipelineSpec {
  checkKeys(sink, withoutHidden(map), pipelineKeys, 'a pipeline', pipelineHints);
  checkDocumentVersion(sink, map);
  const nameEntry = findEntry(map, 'name');
  const name = nameEntry ? readPipelineName(sink, nameEntry.value) ?? '' : '';
  if (nameEntry === undefined) sink.error(map.loc, 'pipeline has no `name`', 'add `name: build`; pipeline names are lower case and unique in the project');
  const loc = nameEntry?.value.loc ?? map.loc;
  const envNode = findEntry(map, 'env')?.value;
  const scope = pipelineScope(name || 'pipeline', envNames(envNode));
  const pipeline: PipelineSpec = {
    name, pool: defaultPool, labels: [], dependsOn: [], env: {}, failFast: false, jobs: [],
    onStart: [], onSuccess: [], onFailure: [], loc,
  };
  if (envNode) pipeline.env = readEnv(sink, envNode, scope);
  readPipelineKeys(sink, map, pipeline, scope);
  const jobsEntry = findEntry(map, 'jobs');
  if (jobsEntry === undefined) sink.error(map.loc, `pipeline \`${name}\` has no \`jobs\``, 'add `jobs:` with at least one job');
  else pipeline.jobs = readJobs(sink, jobsEntry.value, scope);
  return pipeline;
}

function readPipelineKeys(sink: DiagnosticSink, map: YMap, pipeline: PipelineSpec, scope: ExpressionScope): void {
  const text = (node: YNode, key: string): string | undefined => {
    const value = readNonEmptyString(sink, node, key);
    if (value !== undefined && node.kind === 'scalar') checkExpressions(sink, node, scope, key);
    return value;
  };
  const commandsOrLabels = (found: YScalar[] | undefined, key: string): string[] => {
    for (const item of found ?? []) checkExpressions(sink, item, scope, key);
    return (found ?? []).map((item) => item.text);
  };
  const commands = (node: YNode, key: string): string[] => commandsOrLabels(readCommands(sink, node, key), key);
  for (const { key, value: node } of map.entries) {
    switch (key) {
      case 'pool': pipeline.pool = text(node, key) ?? defaultPool; break;
      case 'labels': pipeline.labels = commandsOrLabels(readStringList(sink, node, key, { allowEmpty: true }), key); break;
      case 'depends_on': pipeline.dependsOn = readDependsOn(sink, node); break;
      case 'concurrency': setIfDefined(pipeline, 'concurrency', readInteger(sink, node, key, 1)); break;
      case 'resource_group': setIfDefined(pipeline, 'resourceGroup', text(node, key)); break;
      case 'image': setIfDefined(pipeline, 'image', text(node, key)); break;
      case 'timeout': setIfDefined(pipeline, 'timeoutMs', readDuration(sink, node, key)); break;
      case 'fail_fast': pipeline.failFast = readBoolean(sink, node, key) ?? false; break;
      case 'on_start': pipeline.onStart = commands(node, key); break;
      case 'on_success': pipeline.onSuccess = commands(node, key); break;
      case 'on_failure': pipeline.onFailure = commands(node, key); break;
    }
  }
}

function setIfDefined<K extends keyof PipelineSpec>(pipeline: PipelineSpec, key: K, value: PipelineSpec[K] | undefined): void {
  if (value !== undefined) pipeline[key] = value;
}

/** A pipeline name: present, a string, lower case. */
function readPipelineName(sink: DiagnosticSink, node: YNode): string | undefined {
  const name = readNonEmptyString(sink, node, 'name');
  if (name === undefined) return undefined;
  if (!pipelineNamePattern.test(name)) {
    sink.error(node.loc, `\`${name}\` is not a valid pipeline name`, `use ${nameRules.pipeline}`);
  }
  return name;
}

function readDependsOn(sink: DiagnosticSink, node: YNode): NeedRef[] {
  const refs: NeedRef[] = [];
  const seen = new Set<string>();
  for (const item of readStringList(sink, node, 'depends_on', { allowEmpty: true }) ?? []) {
    if (!pipelineNamePattern.test(item.text)) {
      sink.error(item.loc, `\`depends_on\` entry \`${item.text}\` is not a pipeline name`, `pipeline names use ${nameRules.pipeline}`);
    } else if (seen.has(item.text)) {
      sink.error(item.loc, `\`depends_on\` lists \`${item.text}\` twice`, 'remove the repeated entry');
    } else {
      seen.add(item.text);
      refs.push({ ref: item.text, loc: item.loc });
    }
  }
  return refs;
}

/**
 * The map without hidden keys (`.defaults: &defaults ...`): as in GitLab CI, a key starting with `.`
 * holds a YAML anchor to reuse with `<<: *defaults` and is otherwise ignored, in a pipeline and under `jobs`.
 */
function withoutHidden(map: YMap): YMap {
  return { ...map, entries: map.entries.filter((entry) => !entry.key.startsWith('.')) };
}

function readJobs(sink: DiagnosticSink, node: YNode, scope: ExpressionScope): PipelineSpec['jobs'] {
  const map = readMap(sink, node, 'jobs', 'a map of job name: job');
  if (map === undefined) return [];
  const jobs = withoutHidden(map);
  if (jobs.entries.length === 0) sink.error(map.loc, '`jobs` is empty', 'add at least one job');
  return jobs.entries.map((entry) => readJob(sink, entry.key, entry.keyLoc, entry.value, scope));
}
