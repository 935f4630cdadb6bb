import { describe, expect, it } from 'vitest';
import { criticalPaths, findCycle, topologicalOrder, type NeedsGraph } from '../../../core/plan/graph';

const graph = (record: Record<string, string[]>): NeedsGraph => new Map(Object.entries(record));

describe('findCycle', () => {
  it('returns null for a DAG', () => {
    expect(findCycle(graph({ a: [], b: ['a'], c: ['a', 'b'] }))).toBeNull();
  });
  it('returns the cycle as a closed path following needs', () => {
    expect(findCycle(graph({ a: ['b'], b: ['c'], c: ['a'], d: ['a'] }))).toEqual(['a', 'b', 'c', 'a']);
  });
  it('finds a self-loop', () => {
    expect(findCycle(graph({ a: [], b: ['b'] }))).toEqual(['b', 'b']);
  });
  it('finds a cycle reachable only through a tail', () => {
    expect(findCycle(graph({ a: ['x'], x: ['y'], y: ['z'], z: ['y'] }))).toEqual(['y', 'z', 'y']);
  });
  it('survives deep chains without overflowing the stack', () => {
    const record: Record<string, string[]> = {};
    for (let i = 0; i < 50_000; i += 1) record[`n${String(i).padStart(5, '0')}`] = i === 0 ? [] : [`n${String(i - 1).padStart(5, '0')}`];
    expect(findCycle(graph(record))).toBeNull();
    record.n00000 = ['n49999'];
    expect(findCycle(graph(record))?.length).toBe(50_001);
  });
});

describe('topologicalOrder', () => {
  it('puts every node after its needs and breaks ties by id', () => {
    expect(topologicalOrder(graph({ d: [], c: ['d'], b: [], a: ['c'] }))).toEqual(['b', 'd', 'c', 'a']);
  });
  it('returns null when there is a cycle', () => {
    expect(topologicalOrder(graph({ a: ['b'], b: ['a'] }))).toBeNull();
  });
});

describe('criticalPaths', () => {
  it('counts the node itself up to the farthest sink', () => {
    const lengths = criticalPaths(graph({ a: [], b: ['a'], c: ['a'], d: ['b'], e: ['d'] }));
    expect(Object.fromEntries(lengths)).toEqual({ a: 4, b: 3, c: 1, d: 2, e: 1 });
  });
  it('takes an injected weight', () => {
    const weights: Record<string, number> = { a: 1, b: 10, c: 2 };
    const lengths = criticalPaths(graph({ a: [], b: ['a'], c: ['a'] }), (id) => weights[id] ?? 0);
    expect(lengths.get('a')).toBe(11);
  });
});
