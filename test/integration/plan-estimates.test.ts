// Priorities from history, end to end: after a run, `plan --format json` shows each job's measured
// estimate and critical paths weighted by it; before any run, estimates are null and weights 1.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runCli, tempProject } from '../helpers/cli';

beforeAll(() => buildCli());

interface PlanJson {
  jobs: { id: string; critical_path: number; estimate_ms: number | null }[];
}

describe('plan --format json with history', () => {
  it('shows estimate_ms from earlier runs and weights the critical path by it', async () => {
    const project = tempProject({
      'farmhand.yml': ['name: p', 'jobs:', '  slow: { run: sleep 0.4 }', '  quick: { run: "true" }', '  after: { run: "true", needs: [slow] }'].join('\n') + '\n',
    });
    try {
      const plan = async () => {
        const result = await runCli(['plan', project.dir, '--format', 'json', '--state-dir', project.stateDir]);
        expect(result.stderr).toBe('');
        return Object.fromEntries((JSON.parse(result.stdout) as PlanJson).jobs.map((job) => [job.id, job]));
      };
      const before = await plan();
      expect(before['p/slow']).toMatchObject({ estimate_ms: null, critical_path: 2 });
      expect(before['p/quick']).toMatchObject({ estimate_ms: null, critical_path: 1 });
      const run = await runCli(['run', project.dir, '--state-dir', project.stateDir]);
      expect(run.code).toBe(0);
      const after = await plan();
      expect(after['p/slow']!.estimate_ms).toBeGreaterThanOrEqual(400);
      expect(after['p/quick']!.estimate_ms).toBeLessThan(after['p/slow']!.estimate_ms!);
      // Each job weighs its estimate, at least 1 ms.
      const weight = (id: string) => Math.max(1, after[id]!.estimate_ms!);
      expect(after['p/slow']!.critical_path).toBe(weight('p/slow') + weight('p/after'));
      expect(after['p/quick']!.critical_path).toBe(weight('p/quick'));
    } finally {
      project.close();
    }
  });
});
