// The DAG layout: groups hold their jobs, edges follow needs, and 2,000 jobs are placed without overlap.
import { describe, expect, it } from 'vitest';
import { dagreLimit, layoutDag, type Box } from '../../../renderer/dag/dag-layout';

const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const inside = (inner: Box, outer: Box) => inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;

describe('layoutDag', () => {
  it('puts each job inside its pipeline group, left of what needs it, and keeps edges to known jobs', () => {
    const layout = layoutDag({ jobs: [
      { id: 'prepare/sources', pipeline: 'prepare', needs: [] },
      { id: 'build/a', pipeline: 'build', needs: ['prepare/sources'] },
      { id: 'build/b', pipeline: 'build', needs: ['prepare/sources', 'ghost/job'] },
      { id: 'package/bundle', pipeline: 'package', needs: ['build/a', 'build/b'] },
    ] });
    expect(layout.engine).toBe('dagre');
    expect(layout.edges).toHaveLength(4);
    for (const pipeline of ['prepare', 'build', 'package']) {
      const group = layout.groups.find((candidate) => candidate.pipeline === pipeline)!;
      for (const [id, box] of Object.entries(layout.boxes)) if (id.startsWith(`${pipeline}/`)) expect(inside(box, group)).toBe(true);
    }
    expect(layout.boxes['prepare/sources']!.x).toBeLessThan(layout.boxes['build/a']!.x);
    expect(layout.boxes['build/a']!.x).toBeLessThan(layout.boxes['package/bundle']!.x);
    expect(overlaps(layout.boxes['build/a']!, layout.boxes['build/b']!)).toBe(false);
  });

  it('lays out 2,000 jobs in layers with no two boxes overlapping and every edge pointing right', () => {
    const jobs = Array.from({ length: 2000 }, (_, index) => ({ id: `big/j${index}`, pipeline: 'big', needs: index === 0 ? [] : [`big/j${Math.floor((index - 1) / 3)}`] }));
    const layout = layoutDag({ jobs });
    expect(jobs.length).toBeGreaterThan(dagreLimit);
    expect(layout.engine).toBe('layered');
    const boxes = Object.values(layout.boxes);
    expect(boxes).toHaveLength(2000);
    const seen = new Set(boxes.map((box) => `${box.x},${box.y}`));
    expect(seen.size).toBe(2000);
    for (const edge of layout.edges) expect(layout.boxes[edge.from]!.x).toBeLessThan(layout.boxes[edge.to]!.x);
  });

  it('survives a cycle without hanging (the coordinator rejects cycles, but the window must not freeze)', () => {
    const jobs = Array.from({ length: dagreLimit + 5 }, (_, index) => ({ id: `c/j${index}`, pipeline: 'c', needs: [`c/j${(index + 1) % (dagreLimit + 5)}`] }));
    expect(Object.keys(layoutDag({ jobs }).boxes)).toHaveLength(dagreLimit + 5);
  });
});
