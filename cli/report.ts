// The run report of the CLI contract, built from the store after a build.
import type { Store } from '../core/store/types';

export interface ReportJob {
  id: string;
  pipeline: string;
  name: string;
  status: string;
  reason: string | null;
  key: string;
  agent: string | null;
  attempts: number;
  batch: string | null;
  resource_group: string | null;
  queued_at: number | null;
  started_at: number | null;
  finished_at: number | null;
  exit_code: number | null;
}

export interface Report {
  build: string;
  status: string;
  started_at: number | null;
  finished_at: number | null;
  jobs: ReportJob[];
}

/** The report of one build, jobs in plan order. */
export function buildReport(store: Store, build: string): Report {
  const record = store.getBuild(build);
  if (!record) throw new Error(`no build ${build} in this state dir`);
  const jobs = new Map(store.listJobs(build).map((job) => [job.id, job]));
  return {
    build,
    status: record.status,
    started_at: record.startedAt ?? null,
    finished_at: record.finishedAt ?? null,
    jobs: record.plan.jobs.map((planned) => {
      const job = jobs.get(planned.id);
      return {
        id: planned.id,
        pipeline: planned.pipeline,
        name: planned.name,
        status: job?.state ?? 'queued',
        reason: job?.reason ?? null,
        key: planned.key,
        agent: job?.agent ?? null,
        attempts: job?.attempts ?? 0,
        batch: job?.batch ?? null,
        resource_group: planned.resourceGroup ?? null,
        queued_at: job?.queuedAt ?? null,
        started_at: job?.startedAt ?? null,
        finished_at: job?.finishedAt ?? null,
        exit_code: job?.exitCode ?? null,
      };
    }),
  };
}
