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
});
