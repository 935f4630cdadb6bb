import { describe, expect, it } from 'vitest';
import type { VersionConstraint } from '../../../core/spec/types';
import { compareVersions, compareVersionValues, highestMatching, matches } from '../../../core/plan/versions';

const c = (op: VersionConstraint['op'], version: string): VersionConstraint => ({ op, version });

describe('compareVersions', () => {
  it('compares numeric parts as numbers', () => {
    expect(compareVersions('1.10', '1.9')).toBe(1);
    expect(compareVersions('1.2.12', '1.2.13')).toBe(-1);
    expect(compareVersions('2', '10')).toBe(-1);
  });
  it('compares non-numeric parts as strings, after numbers', () => {
    expect(compareVersions('1.0.rc1', '1.0.rc2')).toBe(-1);
    expect(compareVersions('1.0.0', '1.0.rc1')).toBe(-1);
  });
  it('treats missing parts as 0 for values, and orders by length only to break ties', () => {
    expect(compareVersionValues('3', '3.0.0')).toBe(0);
    expect(compareVersions('3', '3.0')).toBe(-1);
    expect(['3.0', '2.9.9', '3', '10.1', '3.0.1'].sort(compareVersions)).toEqual(['2.9.9', '3', '3.0', '3.0.1', '10.1']);
  });
});

describe('matches', () => {
  it('handles comparison operators', () => {
    expect(matches('1.2.12', [c('>=', '1.2.12')])).toBe(true);
    expect(matches('1.2.11', [c('>=', '1.2.12')])).toBe(false);
    expect(matches('1.2.12', [c('>', '1.2.12')])).toBe(false);
    expect(matches('1.9', [c('<', '2')])).toBe(true);
    expect(matches('2.0', [c('<', '2')])).toBe(false);
    expect(matches('2.0', [c('<=', '2')])).toBe(true);
    expect(matches('1.2.3', [c('=', '1.2.3')])).toBe(true);
    expect(matches('1.2.4', [c('=', '1.2.3')])).toBe(false);
  });
  it('treats ~ like npm: ~3.0 is >=3.0 <3.1, ~3 is >=3 <4, ~1.2.3 is >=1.2.3 <1.3', () => {
    expect(matches('3.0.9', [c('~', '3.0')])).toBe(true);
    expect(matches('3.1.0', [c('~', '3.0')])).toBe(false);
    expect(matches('3.9', [c('~', '3')])).toBe(true);
    expect(matches('4.0', [c('~', '3')])).toBe(false);
    expect(matches('1.2.2', [c('~', '1.2.3')])).toBe(false);
    expect(matches('1.2.9', [c('~', '1.2.3')])).toBe(true);
    expect(matches('1.3.0', [c('~', '1.2.3')])).toBe(false);
  });
  it('matches a bare request as a prefix of parts', () => {
    expect(matches('3.0.2', [c('prefix', '3.0')])).toBe(true);
    expect(matches('3.0', [c('prefix', '3.0')])).toBe(true);
    expect(matches('3.01', [c('prefix', '3.0')])).toBe(false);
    expect(matches('3', [c('prefix', '3.0')])).toBe(false);
    expect(matches('3.1', [c('prefix', '3')])).toBe(true);
  });
  it('requires every constraint and accepts anything with none', () => {
    expect(matches('1.5', [c('>=', '1'), c('<', '2')])).toBe(true);
    expect(matches('2.5', [c('>=', '1'), c('<', '2')])).toBe(false);
    expect(matches('0.0.1', [])).toBe(true);
  });
});

describe('highestMatching', () => {
  it('picks the highest matching version, numerically', () => {
    expect(highestMatching(['1.2.9', '1.2.10', '1.3.0', '2.0'], [c('<', '2')])).toBe('1.3.0');
    expect(highestMatching(['3.0.2', '3.0.10', '3.1.0'], [c('~', '3.0')])).toBe('3.0.10');
    expect(highestMatching(['1.0'], [c('>', '1')])).toBeUndefined();
  });
});
