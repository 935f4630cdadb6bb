// Canned farm state for the fixture server: a build of three pipelines with a cached job, a batch, a
// resource-group waiter, a retried attempt, an ANSI log, outputs, agents and groups. Also the
// synthetic large cases of bench:ui (2,000 jobs, 1,000,000 log lines).
import type { FixtureState } from './fixture-server';

const t0 = Date.now() - 60_000;

export const sampleBuild = {
  build: 'b-0001', status: 'running', project: 'demo', origin: 'window', started_at: t0,
  jobs: [
    { id: 'prepare/sources', pipeline: 'prepare', name: 'sources', status: 'cached', needs: [] },
    { id: 'build/compile-a', pipeline: 'build', name: 'compile-a', status: 'success', needs: ['prepare/sources'], agent: 'local', attempts: 1, started_at: t0 + 1000, finished_at: t0 + 9000 },
    { id: 'build/compile-b', pipeline: 'build', name: 'compile-b', status: 'running', needs: ['prepare/sources'], agent: 'mini', attempts: 2, started_at: t0 + 4000, batch: 'batch-1' },
    { id: 'build/compile-c', pipeline: 'build', name: 'compile-c', status: 'running', needs: ['prepare/sources'], agent: 'mini', attempts: 1, started_at: t0 + 2000, batch: 'batch-1' },
    { id: 'deploy/migrate', pipeline: 'deploy', name: 'migrate', status: 'waiting', needs: ['build/compile-a', 'build/compile-b'], resource_group: 'db' },
    { id: 'deploy/publish', pipeline: 'deploy', name: 'publish', status: 'queued', needs: ['deploy/migrate', 'build/compile-c'] },
    { id: 'build/lint', pipeline: 'build', name: 'lint', status: 'failed', needs: [], agent: 'local', reason: 'no agent serves pool gpu', attempts: 1, started_at: t0 + 500, finished_at: t0 + 1500 },
  ],
};

/** Lines with colours, as a compiler prints them. */
export const ansiLines = ['\u001b[1mCompiling\u001b[0m demo v0.1.0', '\u001b[32mok\u001b[0m alpha.c', '\u001b[33mwarning\u001b[0m: unused variable `x`', '\u001b[31merror\u001b[0m: none, this is a demo'];

export function sampleState(overrides: Partial<FixtureState> = {}): FixtureState {
  return {
    projects: [{ id: 'demo', dir: '/home/me/demo', name: 'demo' }],
    builds: [sampleBuild, { build: 'b-0000', status: 'success', project: 'demo', origin: 'farmhand run', started_at: t0 - 3_600_000, finished_at: t0 - 3_540_000 }],
    plan: { status: 200, body: { jobs: sampleBuild.jobs.map((job) => ({ id: job.id, pipeline: job.pipeline, name: job.name, needs: job.needs, would: job.status === 'cached' ? 'cached' : 'run' })) } },
    agents: [
      { id: 'local', name: 'local', pools: ['default'], labels: [], slots: 4, busy: 1, paired: true, online: true, last_seen: Date.now(), warning: null },
      { id: 'm1', name: 'mini', address: '192.168.1.20', port: 4747, pools: ['linux'], labels: ['x86'], slots: 2, busy: 2, paired: true, online: true, last_seen: Date.now(), warning: null },
      { id: 'n1', name: 'nas', address: '192.168.1.30', port: 4747, pools: ['default'], labels: [], slots: 1, busy: 0, paired: false, online: false, last_seen: Date.now() - 60_000, warning: 'Docker is not installed' },
    ],
    groups: [{ name: 'db', capacity: 1, holders: [{ build: 'b-0000', job: 'deploy/migrate' }], waiters: [{ build: 'b-0001', job: 'deploy/migrate', position: 1 }] }],
    log: (_build, _job, from, limit) => ansiLines.slice(from, from + limit).map((text, index) => ({ seq: from + index + 1, stream: 'stdout' as const, text, at: t0 })),
    outputs: { 'build/compile-a': [{ path: 'build/a/out.txt', size: 2048, sha256: 'ab'.repeat(32), mode: 0o644 }] },
    ...overrides,
  };
}

/** A build of `count` jobs in 20 pipelines, each job needing one or two earlier ones. */
export function largeBuild(count: number) {
  const jobs = Array.from({ length: count }, (_, index) => {
    const pipeline = `p${index % 20}`;
    const needs = index < 20 ? [] : [`p${(index - 20) % 20}/j${index - 20}`, ...(index % 7 === 0 && index >= 40 ? [`p${(index - 40) % 20}/j${index - 40}`] : [])];
    return { id: `${pipeline}/j${index}`, pipeline, name: `j${index}`, status: 'queued', needs };
  });
  return { build: 'b-large', status: 'running', project: 'demo', origin: 'bench', started_at: Date.now(), jobs };
}
