import braces from 'braces';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countBraceExpansion, expandBraces, maxVersions } from '../../../core/spec/brace-expansion';

describe('brace expansion of versions', () => {
  it.each([
    ['3.11.{0..9}', 10], ['{a,b}', 2], ['{1..10..2}', 5], ['{a..e}', 5], ['a{b,c{d,e}}f', 3], ['{x}', 1], ['{}', 1],
    ['{a,}', 2], ['\\{a,b\\}', 1], ['{1..3}{a,b}', 6], ['x{1..3,5}', 2], ['{a,b', 1], ['{a,b}}', 2], ['{{a,b}', 2],
    ['{3..1}', 3], ['{-2..2}', 5], ['${a,b}', 1], ['{a\\,b,c}', 2], ['{01..10}', 10], ['plain', 1],
  ])('counts %s like braces expands it (%i)', (pattern, count) => {
    expect(countBraceExpansion(pattern)).toBe(count);
    expect(braces(pattern, { expand: true }).length).toBe(count);
  });

  it('counts huge ranges without expanding them', () => {
    const started = performance.now();
    expect(countBraceExpansion('{0..99999}')).toBe(100_000);
    expect(countBraceExpansion('{0..9999999999}.{0..9999999999}')).toBe(1e20);
    expect(expandBraces('1.{0..99999}')).toEqual({ ok: false, message: 'expands to 100000 versions; the limit is 10000' });
    expect(expandBraces('{1..9}{0..9}{0..9}{0..9}{0..9}')).toEqual({ ok: false, message: 'expands to 90000 versions; the limit is 10000' });
    expect(expandBraces(`${'{a,b}'.repeat(60)}`).ok).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('expands up to the limit and dedupes', () => {
    const result = expandBraces('{0..9999}');
    expect(result.ok && result.values.length).toBe(maxVersions);
    expect(expandBraces('{1,1,2}')).toEqual({ ok: true, values: ['1', '2'] });
  });

  it('never undercounts what braces produces (random patterns)', () => {
    const atom = fc.oneof(
      fc.constantFrom('a', '1', '.', ',', '-', 'x'),
      fc.tuple(fc.integer({ min: -5, max: 30 }), fc.integer({ min: -5, max: 30 })).map(([a, b]) => `{${a}..${b}}`),
      fc.constantFrom('{a,b}', '{1,2,3}', '{a,}', '{x}', '{', '}', '\\,', '{a..c}'),
    );
    const pattern = fc.array(atom, { maxLength: 6 }).map((parts) => parts.join(''));
    fc.assert(fc.property(pattern, (text) => {
      const count = countBraceExpansion(text);
      fc.pre(count <= 5000);
      const expanded = braces(text, { expand: true, rangeLimit: 10_000 });
      expect(count).toBeGreaterThanOrEqual(expanded.length);
    }), { numRuns: 500 });
  });
});
