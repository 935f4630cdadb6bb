// The run report of the CLI contract, built from the store after a build; where it may be written
// (checked before a build starts); and the summary line under a run.
import { closeSync, openSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
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
  /** Every attempt, oldest first: lost and retried ones stay listed. */
  attempt_history: ReportAttempt[];
  batch: string | null;
  resource_group: string | null;
  queued_at: number | null;
  started_at: number | null;
  finished_at: number | null;
  exit_code: number | null;
}

export interface ReportAttempt {
  number: number;
  agent: string;
  /** `running` while it runs; then `success`, `failed`, `canceled` or `lost`. */
  status: string;
  reason: string | null;
  started_at: number;
  finished_at: number | null;
  exit_code: number | null;
}

export interface Report {
  build: string;
  status: string;
  started_at: number | null;
  finished_at: number | null;
  jobs: ReportJob[];
  /** Payload bytes of snapshots and outputs moved to and from LAN agents in this build. */
  transfer?: { to_agents_bytes: number; from_agents_bytes: number };
}

/** The report of one build, jobs in plan order. */
export function buildReport(store: Store, build: string): Report {
  const record = store.getBuild(build);
  if (!record) throw new Error(`no build ${build} in this state dir`);
  const jobs = new Map(store.listJobs(build).map((job) => [job.id, job]));
  const history = new Map<string, ReportAttempt[]>();
  for (const attempt of store.listAttempts(build)) {
    const list = history.get(attempt.job) ?? [];
    list.push({ number: attempt.number, agent: attempt.agent, status: attempt.status ?? 'running', reason: attempt.reason ?? null,
      started_at: attempt.startedAt, finished_at: attempt.finishedAt ?? null, exit_code: attempt.exitCode ?? null });
    history.set(attempt.job, list);
  }
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
        attempt_history: (history.get(planned.id) ?? []).sort((a, b) => a.number - b.number),
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

/** Why `path` cannot take the report, in a few words, or undefined when it can (probed by opening it, so a read-only disk counts). */
export function reportPathProblem(path: string): string | undefined {
  const absolute = resolve(path);
  try {
    if (statSync(absolute).isDirectory()) return 'is a folder; give a file name';
    closeSync(openSync(absolute, 'r+'));
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') return `cannot be written (${code ?? String(error)})`;
  }
  const folder = dirname(absolute);
  try {
    // Created and removed at once: the only sure test that this process may create it there.
    closeSync(openSync(absolute, 'wx'));
    unlinkSync(absolute);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `cannot be written: the folder ${folder} does not exist`;
    if (code === 'ENOTDIR') return `cannot be written: ${folder} is not a folder`;
    return `cannot be written in ${folder} (${code ?? String(error)})`;
  }
}

/** Writes the report; a failure (the disk filled up since the check) is one line, not a stack. */
export function writeReport(path: string, report: Report): string | undefined {
  try {
    writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
    return undefined;
  } catch (error) {
    return `could not write the report to ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
  }
}

/** The failed jobs of a report, each with whether its pipeline allowed the failure (`allow_failure`). */
export function failedJobs(store: Store, report: Report): { id: string; allowed: boolean }[] {
  const failed = report.jobs.filter((job) => job.status === 'failed');
  // The plan (parsed whole, 12 ms at 2,000 jobs) only when something failed.
  if (failed.length === 0) return [];
  const allowed = new Set(store.getBuild(report.build)?.plan.jobs.filter((job) => job.allowFailure).map((job) => job.id));
  return failed.map((job) => ({ id: job.id, allowed: allowed.has(job.id) }));
}

/** `b-0001 success: 2 success, 1 failed (allowed)`: counts per state, allowed failures apart from real ones. */
export function summaryLine(report: Report, failed: readonly { id: string; allowed: boolean }[]): string {
  const allowedCount = failed.filter((job) => job.allowed).length;
  const count = (state: string) => report.jobs.filter((job) => job.status === state).length;
  const counts: [string, number][] = [
    ['success', count('success')],
    ['cached', count('cached')],
    ['failed', count('failed') - allowedCount],
    ['failed (allowed)', allowedCount],
    ['skipped', count('skipped')],
    ['canceled', count('canceled')],
    ['lost', count('lost')],
  ];
  const shown = counts.filter(([, n]) => n > 0).map(([state, n]) => `${n} ${state}`);
  return `${report.build} ${report.status}: ${shown.join(', ')}`;
}
