// Pure helpers of the views: DAG viewport culling and arrow-key moves, log search and export, hints.
import { describe, expect, it } from 'vitest';
import { layoutDag } from '../../../renderer/dag/dag-layout';
import { nearestInDirection, visibleIds } from '../../../renderer/dag/viewport';
import { findLines, rawText } from '../../../renderer/log/log-search';
import { hintFor } from '../../../renderer/views/hints';
import { formatDuration, formatSize, projectName } from '../../../renderer/views/format';

const layout = layoutDag({ jobs: [
  { id: 'p/a', pipeline: 'p', needs: [] },
  { id: 'p/b', pipeline: 'p', needs: ['p/a'] },
  { id: 'p/c', pipeline: 'p', needs: ['p/a'] },
] });

describe('DAG viewport', () => {
  it('keeps only boxes near the screen', () => {
    expect(visibleIds(layout, { x: 0, y: 0, zoom: 1 }, { width: 2000, height: 2000 }).sort()).toEqual(['p/a', 'p/b', 'p/c']);
    expect(visibleIds(layout, { x: -100_000, y: 0, zoom: 1 }, { width: 800, height: 600 })).toEqual([]);
  });

  it('moves right to a job that needs this one and back left, and stops at the edge', () => {
    const right = nearestInDirection(layout, 'p/a', 'right');
    expect(['p/b', 'p/c']).toContain(right);
    expect(nearestInDirection(layout, right!, 'left')).toBe('p/a');
    expect(nearestInDirection(layout, 'p/a', 'left')).toBeUndefined();
    const other = right === 'p/b' ? 'p/c' : 'p/b';
    const below = layout.boxes[other]!.y > layout.boxes[right!]!.y ? 'down' : 'up';
    expect(nearestInDirection(layout, right!, below)).toBe(other);
  });
});

describe('log search and export', () => {
  const lines = [{ text: '\u001b[31mError\u001b[0m: disk', stream: 'stderr' as const }, { text: 'all fine', stream: 'stdout' as const }, { text: 'no error here', stream: 'stdout' as const }];
  it('finds lines by their visible text, ignoring case and colour codes', () => {
    expect(findLines(lines, 'error')).toEqual([0, 2]);
    expect(findLines(lines, '31m')).toEqual([]);
    expect(findLines(lines, '')).toEqual([]);
  });
  it('exports the raw text, one line per row', () => {
    expect(rawText(lines)).toBe('\u001b[31mError\u001b[0m: disk\nall fine\nno error here\n');
  });
});

describe('hints and formats', () => {
  it('says what to do for a missing pool or Docker, and nothing for a plain exit', () => {
    expect(hintFor('no agent serves pool gpu (labels: cuda)')).toContain('farmhand agent --pool gpu');
    expect(hintFor('Docker is not running: connect ENOENT /var/run/docker.sock')).toContain('Docker');
    expect(hintFor('exit code 1')).toBeNull();
  });
  it('formats durations and sizes', () => {
    expect([formatDuration(850), formatDuration(12_340), formatDuration(245_000), formatDuration(3_720_000)]).toEqual(['850ms', '12.3s', '4m 05s', '1h 02m']);
    expect([formatSize(512), formatSize(1536), formatSize(3 * 1024 * 1024)]).toEqual(['512 B', '1.5 KB', '3.0 MB']);
    expect([projectName('/home/me/demo/'), projectName('C:\\work\\app'), projectName('demo'), projectName(undefined)]).toEqual(['demo', 'app', 'demo', '–']);
  });
});
