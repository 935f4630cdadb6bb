// One pipeline job: the template keys plus `needs`, `matrix` and `exclude`.
import type { DiagnosticSink } from './diagnostics';
import { jobScope } from './expression-scope';
import type { ExpressionScope } from './expression-scope';
import { checkKeys, findEntry, readMap, readStringList } from './fields';
import { readJobTemplate, templateKeys } from './job-template';
import { matrixAxes, readExclude, readMatrix } from './matrix';
import { jobNamePattern, nameRules } from './names';
import { needRefProblem, needRefRemedy } from './needs';
import type { JobSpec, NeedRef, SourceLocation } from './types';
import { envNames, readEnv } from './values';
import type { YNode } from './yaml-source';

/** Keys of a job under `jobs:`. */
export const jobKeys = [...templateKeys, 'needs', 'matrix', 'exclude'] as const;

/** Remedies for keys that users of other CI systems write out of habit. */
export const foreignKeyHints: Readonly<Record<string, string>> = {
  script: 'Farmhand uses `run`',
  steps: 'Farmhand uses `run` with a list of commands',
  commands: 'Farmhand uses `run`',
  variables: 'Farmhand uses `env`',
  tags: 'Farmhand uses `labels`',
  'runs-on': 'Farmhand uses `pool` and `labels`',
  artifacts: 'Farmhand uses `outputs`',
  dependencies: 'Farmhand uses `needs`',
  depends_on: 'jobs use `needs`; `depends_on` is for whole pipelines',
  'timeout-minutes': 'Farmhand uses `timeout`, e.g. `timeout: 30m`',
  'continue-on-error': 'Farmhand uses `allow_failure`',
};

/** Reads the job `name: {...}` of a pipeline whose strings may use `pipeline` scope names. */
export function readJob(sink: DiagnosticSink, name: string, keyLoc: SourceLocation, node: YNode, pipeline: ExpressionScope): JobSpec {
  const job: JobSpec = { name, run: [], env: {}, inputs: [], outputs: [], allowFailure: false, needs: [], exclude: [], loc: keyLoc };
  if (!jobNamePattern.test(name)) sink.error(keyLoc, `\`${name}\` is not a valid job name`, `use ${nameRules.job}`);
  const map = readMap(sink, node, `jobs.${name}`, 'a map of job keys (run, needs, image, ...)');
  if (map === undefined) return job;
  checkKeys(sink, map, jobKeys, `job \`${name}\``, foreignKeyHints);
  const matrixNode = findEntry(map, 'matrix')?.value;
  const envNode = findEntry(map, 'env')?.value;
  const scope = jobScope(pipeline, name, envNames(envNode), matrixAxes(matrixNode));
  const env = envNode ? readEnv(sink, envNode, scope) : {};
  Object.assign(job, readJobTemplate(sink, map, scope, env, { what: `job \`${name}\``, loc: keyLoc }));
  const matrix = matrixNode ? readMatrix(sink, matrixNode) : undefined;
  if (matrix !== undefined) job.matrix = matrix;
  const excludeNode = findEntry(map, 'exclude')?.value;
  if (excludeNode) job.exclude = readExclude(sink, excludeNode, matrix, matrixNode ? matrixAxes(matrixNode) : undefined);
  const needsNode = findEntry(map, 'needs')?.value;
  if (needsNode) job.needs = readNeeds(sink, needsNode, name);
  return job;
}

function readNeeds(sink: DiagnosticSink, node: YNode, jobName: string): NeedRef[] {
  const needs: NeedRef[] = [];
  const seen = new Set<string>();
  for (const item of readStringList(sink, node, 'needs', { allowEmpty: true }) ?? []) {
    const ref = item.text;
    const problem = needRefProblem(ref, item.loc);
    if (problem !== undefined) {
      sink.error(item.loc, `\`needs\` entry \`${ref}\` ${problem}`, needRefRemedy);
    } else if (ref === jobName) {
      sink.error(item.loc, `job \`${jobName}\` needs itself`, 'remove it from `needs`');
    } else if (seen.has(ref)) {
      sink.error(item.loc, `\`needs\` lists \`${ref}\` twice`, 'remove the repeated entry');
    } else {
      seen.add(ref);
      needs.push({ ref, loc: item.loc });
    }
  }
  return needs;
}
