// Hand-made plans for coordinator tests: jobs by id with their needs and a few settings.
import type { Plan, PlannedJob } from '../../core/plan/types';

export type JobSketch = Partial<PlannedJob> & { needs?: string[] };

/** A plan from `{ 'p/a': { needs: [...] }, ... }`; pipelines come from the ids. */
export function makePlan(jobs: Record<string, JobSketch>, extra: Partial<Plan> = {}): Plan {
  const planned: PlannedJob[] = Object.entries(jobs).map(([id, sketch]) => {
    const [pipeline, name] = id.split('/') as [string, string];
    return {
      id, pipeline, name, run: [`echo ${id}`], pool: 'default', labels: [], env: {}, workingDirectory: '.', inputs: [], outputs: [],
      cache: false, retry: { max: 0, when: ['failure', 'timeout', 'agent_lost'] }, allowFailure: false, needs: [], key: `key-${id}`,
      criticalPath: 1, ...sketch,
    };
  });
  const names = [...new Set(planned.map((job) => job.pipeline))];
  return {
    pipelines: names.map((name) => ({
      name, pool: 'default', labels: [], dependsOn: [], failFast: false, jobs: planned.filter((j) => j.pipeline === name).map((j) => j.id),
      onStart: [], onSuccess: [], onFailure: [], recipe: false,
    })),
    jobs: planned,
    resourceGroups: [],
    ...extra,
  };
}
