// The real `farmhand init` process: a starter for each kind of project that parses and plans
// (checked by the real `farmhand plan` and by the planner), and a refusal to overwrite.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../core/project/load-project';
import { buildCli, runCli, tempProject, type TempProject } from '../helpers/cli';

const opened: TempProject[] = [];

function project(files: Record<string, string>): TempProject {
  const made = tempProject(files);
  opened.push(made);
  return made;
}

beforeAll(() => buildCli());
afterEach(() => {
  for (const made of opened.splice(0)) made.close();
});

/** Runs `init` in a fresh project, then checks the file plans both in-process and through `farmhand plan`. */
async function initAndPlan(files: Record<string, string>): Promise<{ text: string; jobs: { id: string; needs: string[] }[]; stdout: string }> {
  const made = project(files);
  const init = await runCli(['init'], { cwd: made.dir });
  expect(init.stderr).toBe('');
  expect(init.code).toBe(0);
  const text = readFileSync(join(made.dir, 'farmhand.yml'), 'utf8');
  const loaded = loadProject(made.dir);
  expect(loaded.diagnostics).toEqual([]);
  expect(loaded.plan).toBeDefined();
  const plan = await runCli(['plan', '--format', 'json', '--state-dir', made.stateDir], { cwd: made.dir });
  expect(plan.stderr).toBe('');
  expect(plan.code).toBe(0);
  return { text, jobs: JSON.parse(plan.stdout).jobs, stdout: init.stdout };
}

describe('farmhand init', () => {
  it('turns package.json scripts into jobs after an install, skipping lifecycle scripts', async () => {
    const scripts = { build: 'tsc', 'test:unit': 'vitest run', lint: 'eslint .', prepare: 'husky', start: 'node .', postinstall: 'x' };
    const { text, jobs, stdout } = await initAndPlan({ 'package.json': JSON.stringify({ name: 'web', scripts }), 'package-lock.json': '{}' });
    expect(stdout).toContain('from package.json; jobs: install, build, test-unit, lint');
    expect(text).toContain('run: npm ci');
    expect(text).toContain('run: "npm run test:unit"');
    const byId = new Map(jobs.map((job) => [job.id, job.needs]));
    expect([...byId.keys()].sort()).toEqual(['project/build', 'project/install', 'project/lint', 'project/test-unit']);
    expect(byId.get('project/test-unit')).toEqual(['project/build']);
    expect(byId.get('project/build')).toEqual(['project/install']);
  });

  it('uses the lockfile to pick yarn or pnpm', async () => {
    const { text } = await initAndPlan({ 'package.json': '{"scripts":{"test":"jest"}}', 'yarn.lock': '' });
    expect(text).toContain('run: yarn install --frozen-lockfile');
    expect(text).toContain('run: yarn run test');
  });

  it('writes make jobs for the targets a Makefile has', async () => {
    const { jobs, text } = await initAndPlan({ Makefile: 'CC := gcc\nall: app\napp: main.c\n\t$(CC) -o app main.c\ntest: app\n\t./app --test\n.PHONY: test\n' });
    expect(jobs.map((job) => job.id)).toEqual(['project/build', 'project/test']);
    expect(text).toContain('run: make test');
    expect(text).not.toContain('make CC');
  });

  it('writes cargo jobs for a Cargo.toml and go jobs for a go.mod', async () => {
    const cargo = await initAndPlan({ 'Cargo.toml': '[package]\nname = "x"\n' });
    expect(cargo.jobs.map((job) => job.id)).toEqual(['project/build', 'project/lint', 'project/test']);
    expect(cargo.text).toContain('run: cargo clippy -- -D warnings');
    const go = await initAndPlan({ 'go.mod': 'module example.com/x\n', Makefile: 'build:\n\tgo build\n' });
    expect(go.text).toContain('run: go test ./...');
    expect(go.text).toContain('# Also found: Makefile');
  });

  it('writes beside a .farmhand/ folder that holds only settings', async () => {
    const { jobs } = await initAndPlan({ '.farmhand/settings.yml': 'resource_groups:\n  db: { capacity: 2 }\n', 'go.mod': 'module x\n' });
    expect(jobs.map((job) => job.id)).toEqual(['project/build', 'project/test', 'project/vet']);
  });

  it('writes a generic starter when it recognises nothing, and into a folder it creates', async () => {
    const made = project({});
    const init = await runCli(['init', 'fresh'], { cwd: made.dir });
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('a generic starter; jobs: hello');
    const plan = await runCli(['plan', 'fresh', '--state-dir', made.stateDir], { cwd: made.dir });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('pipeline fresh (pool default)');
  });

  it('refuses to overwrite farmhand.yml or to sit beside .farmhand/, with exit 2 and one line', async () => {
    const withFile = project({ 'farmhand.yml': 'kept: true\n' });
    const first = await runCli(['init'], { cwd: withFile.dir });
    expect(first.code).toBe(2);
    expect(first.stderr.trim().split('\n')).toHaveLength(1);
    expect(first.stderr).toContain('farmhand.yml already exists');
    expect(readFileSync(join(withFile.dir, 'farmhand.yml'), 'utf8')).toBe('kept: true\n');
    const withFolder = project({ '.farmhand/ci.yml': 'name: x\n' });
    const second = await runCli(['init', withFolder.dir]);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('.farmhand/ already holds pipelines (ci.yml)');
    const third = await runCli(['init', join(withFile.dir, 'farmhand.yml')]);
    expect(third.code).toBe(2);
    expect(third.stderr).toContain('farmhand.yml is not a folder');
  });

  it('says which file is broken when package.json is not JSON', async () => {
    const made = project({ 'package.json': '{ "scripts": ' });
    const result = await runCli(['init'], { cwd: made.dir });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/package\.json is not valid JSON \(.+\); fix it/);
  });
});
