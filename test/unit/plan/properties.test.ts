// Property tests: random layered DAG specs across several pipelines.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planProject } from '../../../core/plan/plan-project';
import type { ProjectSpec } from '../../../core/spec/types';
import { memoryFiles } from '../../helpers/memory-files';
import { job, pipeline, project } from './builders';

interface RandomDag {
  /** Pipeline index of each job. */
  pipelineOf: number[];
  /** needs[i]: indexes < i that job i needs. */
  needs: number[][];
}

const dagArbitrary: fc.Arbitrary<RandomDag> = fc
  .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 25 }))
  .chain(([pipelines, size]) =>
    fc.record({
      pipelineOf: fc.array(fc.integer({ min: 0, max: pipelines - 1 }), { minLength: size, maxLength: size }),
      needs: fc.tuple(...Array.from({ length: size }, (_, i) => fc.uniqueArray(fc.integer({ min: 0, max: Math.max(0, i - 1) }), { maxLength: i === 0 ? 0 : 3 }))),
    }),
  );

const pipelineName = (index: number): string => `p${index}`;
// Names that do not sort in creation order, so the plan order cannot come from names alone.
const jobName = (index: number): string => `j${(index * 7919) % 1000}-${index}`;
const jobId = (dag: RandomDag, index: number): string => `${pipelineName(dag.pipelineOf[index]!)}/${jobName(index)}`;

function specOf(dag: RandomDag, extra?: { from: number; to: number }): ProjectSpec {
  const pipelineCount = Math.max(...dag.pipelineOf) + 1;
  const pipelines = Array.from({ length: pipelineCount }, (_, p) => {
    const jobs = dag.pipelineOf.flatMap((owner, i) => {
      if (owner !== p) return [];
      const needs = [...dag.needs[i]!, ...(extra?.from === i ? [extra.to] : [])].map((n) => (dag.pipelineOf[n] === p ? jobName(n) : jobId(dag, n)));
      return [job(jobName(i), { needs })];
    });
    return pipeline(pipelineName(p), jobs);
  });
  return project(pipelines.filter((entry) => entry.jobs.length > 0));
}

describe('planner properties', () => {
  it('puts every job after all of its needs, with exactly the written edges', () => {
    fc.assert(
      fc.property(dagArbitrary, (dag) => {
        const result = planProject(specOf(dag), memoryFiles({}));
        expect(result.diagnostics).toEqual([]);
        const jobs = result.plan!.jobs;
        const position = new Map(jobs.map((entry, index) => [entry.id, index]));
        expect(jobs).toHaveLength(dag.needs.length);
        for (const entry of jobs) for (const need of entry.needs) expect(position.get(need)!).toBeLessThan(position.get(entry.id)!);
        dag.needs.forEach((needs, i) => {
          const planned = jobs.find((entry) => entry.id === jobId(dag, i))!;
          expect(planned.needs).toEqual(needs.map((n) => jobId(dag, n)).sort());
          const longestBelow = Math.max(0, ...jobs.filter((other) => other.needs.includes(planned.id)).map((other) => other.criticalPath));
          expect(planned.criticalPath).toBe(longestBelow + 1);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('reports an injected back-edge as one cycle whose path follows real needs', () => {
    const withEdge = dagArbitrary
      .filter((dag) => dag.needs.some((needs) => needs.length > 0))
      .chain((dag) => {
        const candidates = dag.needs.flatMap((needs, i) => needs.map((n) => ({ from: n, to: i })));
        return fc.constantFrom(...candidates).map((edge) => ({ dag, edge }));
      });
    fc.assert(
      fc.property(withEdge, ({ dag, edge }) => {
        const result = planProject(specOf(dag, edge), memoryFiles({}));
        expect(result.plan).toBeUndefined();
        expect(result.diagnostics).toHaveLength(1);
        const message = result.diagnostics[0]!.message;
        expect(message).toMatch(/^cycle: /);
        const path = message.slice('cycle: '.length).split(' -> ');
        expect(path.length).toBeGreaterThanOrEqual(3);
        expect(path[0]).toBe(path[path.length - 1]);
        const index = new Map(dag.needs.map((_, i) => [jobId(dag, i), i]));
        for (let k = 0; k + 1 < path.length; k += 1) {
          const from = index.get(path[k]!)!;
          const to = index.get(path[k + 1]!)!;
          const written = [...dag.needs[from]!, ...(edge.from === from ? [edge.to] : [])];
          expect(written).toContain(to);
        }
      }),
      { numRuns: 200 },
    );
  });
});
