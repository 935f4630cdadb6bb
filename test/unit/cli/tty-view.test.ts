// The terminal view as pure text: a frame never taller than the terminal, jobs in natural order.
import { describe, expect, it } from 'vitest';
import { createTtyView } from '../../../cli/views/tty-view';

// eslint-disable-next-line no-control-regex
const plain = (text: string) => text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');

function frameOf(jobs: number, rows: number, columns = 80): string[] {
  let written = '';
  const view = createTtyView({ write: (text) => (written = text), now: () => 5000, columns: () => columns, rows: () => rows, total: jobs });
  // Started in plan (string) order, as the coordinator's events come: j1, j10, j11, ..., j2, ...
  const names = Array.from({ length: jobs }, (_, i) => `p/j${i + 1}`).sort();
  for (const job of names) view.onEvent({ type: 'job', build: 'b-0001', job, state: 'running', at: 1000 });
  view.render();
  return plain(written).split('\n').slice(0, -1);
}

describe('tty view', () => {
  it('lists running jobs in natural order (j2 before j10)', () => {
    const lines = frameOf(12, 40);
    expect(lines[0]).toMatch(/^farmhand {2}0\/12 done {3}running 12$/);
    expect(lines.slice(1).map((line) => line.trim().split(/\s+/)[1])).toEqual(Array.from({ length: 12 }, (_, i) => `p/j${i + 1}`));
    expect(lines[1]).toContain('4.0s');
  });

  it.each([3, 5, 8, 24])('never draws a frame taller than a terminal of %i lines (one line kept for the cursor)', (rows) => {
    const lines = frameOf(30, rows);
    expect(lines.length).toBeLessThanOrEqual(rows - 1);
    expect(lines.at(-1)).toMatch(/\.\.\. and \d+ more$/);
    const shown = lines.length - 2;
    expect(lines.at(-1)).toContain(`and ${30 - shown} more`);
  });

  it('cuts every line to the terminal width, the header included', () => {
    const lines = frameOf(3, 24, 20);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(20);
  });
});
