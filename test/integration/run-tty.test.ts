// `farmhand run` on a terminal (a pty from util-linux `script`): the live view shows counts, running
// jobs with their time, and a waiting job with its resource group's holder and its place.
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, farmhandBin, tempProject } from '../helpers/cli';

beforeAll(() => buildCli());

describe('farmhand run on a terminal', () => {
  it('draws the live view, then leaves the last frame and the summary', () => {
    const project = tempProject({
      'farmhand.yml': 'name: deploy\njobs:\n  eu:\n    run: sleep 0.8\n    resource_group: prod\n  us:\n    run: sleep 0.8\n    resource_group: prod\n  lint:\n    run: exit 4\n',
    });
    try {
      const command = `node ${farmhandBin} run ${project.dir} --state-dir ${project.stateDir}; echo "exit=$?"`;
      const screen = execFileSync('script', ['-qfec', command, '/dev/null'], { encoding: 'utf8', timeout: 30_000 });
      // Strip the terminal's colour and cursor codes (ESC [ ... letter) to read the text.
      // eslint-disable-next-line no-control-regex
      const plain = screen.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
      expect(plain).toMatch(/farmhand {2}\d\/3 done/);
      expect(plain).toMatch(/running +deploy\/(eu|us) +\d+\.\ds/);
      expect(plain).toMatch(/waiting +deploy\/(eu|us) +prod: held by b-0001 deploy\/(eu|us), place 1/);
      expect(plain).toContain('farmhand  3/3 done');
      expect(plain).toContain('--- deploy/lint (failed) ---');
      expect(plain).toContain('b-0001 failed: 2 success, 1 failed');
      expect(plain).toContain('exit=1');
    } finally {
      project.close();
    }
  });

  it('keeps every frame within a short terminal and lists jobs in natural order', () => {
    const jobs = Array.from({ length: 12 }, (_, i) => `  j${i + 1}:\n    run: sleep 1`).join('\n');
    const project = tempProject({ 'farmhand.yml': `name: p\njobs:\n${jobs}\n` });
    try {
      const rows = 8;
      const command = `stty rows ${rows} cols 80; node ${farmhandBin} run ${project.dir} --state-dir ${project.stateDir} --jobs 12; echo "exit=$?"`;
      const screen = execFileSync('script', ['-qfec', command, '/dev/null'], { encoding: 'utf8', timeout: 30_000 });
      expect(screen).toContain('exit=0');
      // Each redraw moves the cursor up over the previous frame: never more lines than the terminal has.
      // eslint-disable-next-line no-control-regex
      const ups = [...screen.matchAll(/\u001b\[(\d+)A/g)].map((match) => Number(match[1]));
      expect(ups.length).toBeGreaterThan(2);
      expect(Math.max(...ups)).toBeLessThanOrEqual(rows - 1);
      // A frame while all twelve run: the first rows shown, in natural order, then the rest counted.
      // eslint-disable-next-line no-control-regex
      const frames = screen.split(/\u001b\[\d+A/).map((frame) => frame.replace(/\u001b\[[0-9;]*[A-Za-z]/g, ''));
      const full = frames.find((frame) => frame.includes('running 12'));
      expect(full).toBeDefined();
      const listed = [...full!.matchAll(/running +p\/(j\d+) /g)].map((match) => match[1]);
      expect(listed).toEqual(['j1', 'j2', 'j3', 'j4', 'j5']);
      expect(full).toContain('... and 7 more');
    } finally {
      project.close();
    }
  });
});
