import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../core/spec/durations';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500], ['30s', 30_000], ['10m', 600_000], ['2h', 7_200_000], ['1h30m', 5_400_000],
    ['1m30s', 90_000], ['1h1m1s1ms', 3_661_001], ['1.5h', 5_400_000], ['90', 90_000], ['0.5', 500], ['1d', 86_400_000], [' 5s ', 5000],
  ])('%s -> %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('reads numbers as seconds', () => {
    expect(parseDuration(90)).toBe(90_000);
    expect(parseDuration(-1)).toBeUndefined();
    expect(parseDuration(Number.NaN)).toBeUndefined();
  });

  it.each(['', 'soon', '30 minutes', '10x', 'h', '1h 30m', '-5s', '1e3', 's30', '1.s', '30S'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('round-trips through formatDuration', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 * 86_400_000 }), (ms) => {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }));
  });
});
