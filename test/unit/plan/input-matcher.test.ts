import fc from 'fast-check';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { InputMatcher, withPrefix } from '../../../core/plan/cache-key';
import { memoryFiles } from '../../helpers/memory-files';

const segment = fc.constantFrom('src', 'lib', 'a', 'a.b', 'a-b', 'x.ts', 'y.js', 'README.md', '.hidden', 'src2');
const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
const glob = fc.constantFrom('src/**', 'src', 'src/', 'a/*.ts', '**/*.js', 'lib/**/x.ts', 'a.b', '{src,lib}/**', 'src2/**', '*', 'a/**');

describe('InputMatcher', () => {
  it('matches exactly what a scan of every path would (prefix slicing loses nothing)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(path, { maxLength: 40 }), glob, (paths, pattern) => {
        // A path cannot be both a file and a folder.
        const files = paths.filter((p) => !paths.some((q) => q.startsWith(`${p}/`)));
        const matcher = new InputMatcher(memoryFiles(Object.fromEntries(files.map((p) => [p, p]))));
        const isGlob = picomatch.scan(pattern).isGlob;
        const plain = pattern.replace(/\/$/, '');
        const test = isGlob ? picomatch(pattern, { dot: true }) : (p: string) => p === plain || p.startsWith(`${plain}/`);
        expect(matcher.matchGlob(pattern)).toEqual([...files].sort().filter((p) => test(p)));
      }),
      { numRuns: 300 },
    );
  });

  it('withPrefix returns the contiguous slice of a sorted list', () => {
    expect(withPrefix(['a', 'b/1', 'b/2', 'b2', 'c'], 'b/')).toEqual(['b/1', 'b/2']);
    expect(withPrefix(['a', 'b'], 'z')).toEqual([]);
    expect(withPrefix(['a', 'b'], '')).toEqual(['a', 'b']);
  });
});
