import { describe, expect, it } from 'vitest';
import { expandMatrix, matrixJobName } from '../../../core/plan/expand-matrix';

describe('expandMatrix', () => {
  it('gives the job itself without a matrix', () => {
    expect(expandMatrix({ name: 'lint', exclude: [] })).toEqual([{ name: 'lint' }]);
  });
  it('names combinations with axes sorted by name', () => {
    expect(matrixJobName('compile', { os: 'debian', cc: 'gcc' })).toBe('compile[cc=gcc,os=debian]');
  });
  it('expands the product minus excluded combinations, first axis slowest', () => {
    const names = expandMatrix({ name: 'compile', matrix: { os: ['debian', 'alpine'], cc: ['gcc', 'clang'] }, exclude: [{ cc: 'clang', os: 'alpine' }] }).map((e) => e.name);
    expect(names).toEqual(['compile[cc=gcc,os=debian]', 'compile[cc=gcc,os=alpine]', 'compile[cc=clang,os=debian]']);
  });
  it('lets a partial exclude entry remove several combinations', () => {
    const names = expandMatrix({ name: 't', matrix: { a: ['1', '2'], b: ['x', 'y'] }, exclude: [{ a: '1' }] }).map((e) => e.name);
    expect(names).toEqual(['t[a=2,b=x]', 't[a=2,b=y]']);
  });
  it('keeps the matrix values of each combination', () => {
    expect(expandMatrix({ name: 't', matrix: { a: ['1'] }, exclude: [] })).toEqual([{ name: 't[a=1]', matrix: { a: '1' } }]);
  });
  it('gives nothing when every combination is excluded', () => {
    expect(expandMatrix({ name: 't', matrix: { a: ['1'] }, exclude: [{ a: '1' }] })).toEqual([]);
  });
});
