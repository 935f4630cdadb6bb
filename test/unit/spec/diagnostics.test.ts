import { describe, expect, it } from 'vitest';
import { closestMatch, createDiagnosticSink, didYouMean, editDistance, formatDiagnostic, sortDiagnostics } from '../../../core/spec/diagnostics';

describe('diagnostics', () => {
  it('formats as file:line:col: message (remedy)', () => {
    expect(formatDiagnostic({ file: 'farmhand.yml', line: 3, col: 5, message: 'unknown key `need`', remedy: 'did you mean `needs`?' }))
      .toBe('farmhand.yml:3:5: unknown key `need` (did you mean `needs`?)');
    expect(formatDiagnostic({ file: 'a.yml', line: 1, col: 1, message: 'empty' })).toBe('a.yml:1:1: empty');
  });

  it('clamps locations to 1 and sorts by file, line, column', () => {
    const sink = createDiagnosticSink();
    sink.error({ file: 'b', line: 1, col: 1 }, 'b');
    sink.error({ file: 'a', line: 2, col: 1 }, 'a2');
    sink.error({ file: 'a', line: 0, col: -3 }, 'a0');
    expect(sortDiagnostics(sink.diagnostics).map((d) => [d.message, d.line, d.col])).toEqual([['a0', 1, 1], ['a2', 2, 1], ['b', 1, 1]]);
  });

  it('measures edit distance', () => {
    expect(editDistance('', '')).toBe(0);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('need', 'needs')).toBe(1);
    expect(editDistance('abc', '')).toBe(3);
  });

  it.each([
    ['need', 'did you mean `needs`?'],
    ['Image', 'did you mean `image`?'],
    ['RUN', 'did you mean `run`?'],
    ['timout', 'did you mean `timeout`?'],
    ['depend_on', 'did you mean `depends_on`?'],
    ['xyz', undefined],
    ['completely_different', undefined],
  ])('suggests for %s', (word, remedy) => {
    expect(didYouMean(word, ['run', 'needs', 'image', 'timeout', 'depends_on'])).toBe(remedy);
  });

  it('keeps short words strict and prefers the nearest', () => {
    expect(closestMatch('os', ['cc'])).toBeUndefined();
    expect(closestMatch('ab', ['ac'])).toBe('ac');
    expect(closestMatch('c', ['a', 'b'])).toBeUndefined();
    expect(closestMatch('labelz', ['labels', 'label'])).toBe('labels');
    expect(closestMatch('same', ['same'])).toBeUndefined();
  });
});
