// The window against a real `farmhand serve` running real builds (issue #10's end-to-end list): live DAG,
// logs with ANSI, a resource-group waiter, cancel, pairing an agent, spec errors, and the token.
// Skipped, loudly, until `farmhand serve` exists in the built CLI.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { colourOf, openBrowser, type Browser } from './browser';
import { commandExists, startFarmhand, startServe, type Serve } from './farmhand-process';
import { brokenSpec, demoSpec, editableSpec } from './serve-projects';

const serveExists = existsSync('/usr/bin/chromium') && existsSync('dist/renderer/app.js') && commandExists('serve');
if (!serveExists) {
  // Under CI the browser and the built UI are provided: a skip there would hide a broken window.
  if (process.env.CI) throw new Error('the e2e tests need /usr/bin/chromium and the built renderer (npm run build), which CI must provide');
  console.warn('\n!!! test/e2e/serve.test.ts SKIPPED: `farmhand serve` is not in the built CLI yet (or dist/renderer / chromium is missing) !!!\n');
}

describe.skipIf(!serveExists)('the window against a real farmhand serve', () => {
  let root: string;
  let serve: Serve;
  let browser: Browser;
  let demo: string;
  let editable: string;
  beforeAll(async () => {
    mkdirSync('test/.tmp', { recursive: true });
    root = mkdtempSync(resolve('test/.tmp/e2e-serve-'));
    for (const [name, spec] of [['demo', demoSpec], ['editable', editableSpec]] as const) {
      mkdirSync(join(root, name));
      writeFileSync(join(root, name, 'farmhand.yml'), spec);
    }
    serve = await startServe([join(root, 'demo'), join(root, 'editable')], join(root, 'state'));
    const projects = await serve.api<{ id: string; dir: string }[]>('GET', '/api/projects');
    demo = projects.find((project) => project.dir.endsWith('demo'))!.id;
    editable = projects.find((project) => project.dir.endsWith('editable'))!.id;
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await serve?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('refuses API requests and the event socket without the token', async () => {
    const response = await fetch(`${serve.origin}/api/builds`);
    expect(response.status).toBe(401);
    expect(JSON.stringify(await response.json())).not.toContain('b-');
    const refused = await new Promise<number>((done) => {
      const socket = new WebSocket(`${serve.origin.replace('http', 'ws')}/api/events?since=0`);
      socket.on('unexpected-response', (_request, answer) => { done(answer.statusCode ?? 0); socket.terminate(); });
      socket.on('open', () => { done(200); socket.close(); });
      socket.on('error', () => done(-1));
    });
    expect(refused).toBe(401);
  });

  it('shows a spec error with its file:line:col after the spec is edited', async () => {
    const { page } = browser;
    writeFileSync(join(root, 'editable', 'farmhand.yml'), brokenSpec);
    await page.goto(`${serve.url}#/plan/${encodeURIComponent(editable)}`);
    const error = page.locator('[data-spec-error]');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/farmhand\.yml:5:5/);
    await browser.screenshot('serve-spec-error');
  });

  it('starts a build from the window; the DAG shows every job and its states change live; the log streams with ANSI', async () => {
    const { page } = browser;
    await page.goto(`${serve.url}#/plan/${encodeURIComponent(demo)}`);
    await page.locator('[data-job-id="demo/second"]').waitFor();
    await browser.screenshot('serve-plan');
    await page.goto(`${serve.url}#/builds`);
    await page.getByLabel('Project').selectOption(demo);
    for (const pipeline of ['deploy', 'slow']) await page.getByRole('checkbox', { name: pipeline, exact: true }).uncheck();
    await page.getByRole('button', { name: 'Start build' }).click();
    await page.locator('.build-page [data-job-id="demo/first"]').waitFor();
    for (const job of ['demo/first', 'demo/second', 'demo/third']) await page.locator(`[data-job-id="${job}"]`).waitFor();
    await page.locator('[data-job-id="demo/first"][data-state="running"]').waitFor();
    await page.locator('[data-job-id="demo/second"][data-state="running"]').waitFor({ timeout: 15_000 });
    await browser.screenshot('serve-dag-running');
    await page.locator('[data-job-id="demo/second"]').dblclick();
    await page.locator('[data-log-line]').getByText('line 1', { exact: true }).waitFor();
    const early = await page.locator('[data-log-line]').count();
    await page.locator('[data-log-line]').getByText('line 10', { exact: true }).waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-log-line]').count()).toBeGreaterThan(early);
    const red = page.locator('[data-log-line] .ansi', { hasText: 'red text' });
    await red.waitFor({ timeout: 15_000 });
    expect(await colourOf(red.first())).toMatch(/^rgb\(\d+, 0, 0\)$/);
    await browser.screenshot('serve-log');
    await page.getByRole('tab', { name: 'DAG' }).click();
    for (const job of ['demo/first', 'demo/second', 'demo/third']) await page.locator(`[data-job-id="${job}"][data-state="success"]`).waitFor({ timeout: 20_000 });
    await browser.screenshot('serve-dag-done');
    await page.getByRole('tab', { name: 'Timeline' }).click();
    await page.locator('rect.bar').first().waitFor();
    await browser.screenshot('serve-timeline');
  });

  it('shows a resource-group waiter with the holder and its place in the queue', async () => {
    const { page } = browser;
    const { build } = await serve.api<{ build: string }>('POST', '/api/builds', { project: demo, only: ['deploy'], no_cache: false });
    await page.goto(`${serve.url}#/builds/${encodeURIComponent(build)}/dag`);
    const badge = page.locator('[data-state="waiting"] [data-waiting="db"]');
    await badge.waitFor({ timeout: 15_000 });
    expect(await badge.textContent()).toMatch(/#1 · held by deploy\/db-(one|two)/);
    await browser.screenshot('serve-waiter');
    await page.goto(`${serve.url}#/groups`);
    await page.locator('[data-group="db"] [data-position="1"]').waitFor();
    await browser.screenshot('serve-groups');
  });

  it('cancels a build from the window and the build stops', async () => {
    const { page } = browser;
    const { build } = await serve.api<{ build: string }>('POST', '/api/builds', { project: demo, only: ['slow'], no_cache: false });
    await page.goto(`${serve.url}#/builds/${encodeURIComponent(build)}/dag`);
    await page.locator('[data-job-id="slow/wait"][data-state="running"]').waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Cancel build' }).click();
    await page.locator('[data-job-id="slow/wait"][data-state="canceled"]').waitFor({ timeout: 15_000 });
    const report = await serve.api<{ status: string }>('GET', `/api/builds/${encodeURIComponent(build)}`);
    expect(report.status).toBe('canceled');
    await browser.screenshot('serve-canceled');
  });

  it('lists the embedded local agent as online in the agents panel', async () => {
    const { page } = browser;
    await page.goto(`${serve.url}#/agents`);
    await page.locator('[data-agent-status="online"]').first().waitFor();
    await browser.screenshot('serve-agents');
  });

  it('shows an agent and pairs it from the panel', async () => {
    const agent = await startFarmhand(['agent', '--name', 'e2e-agent', '--port', '0', '--listen', '127.0.0.1', '--no-mdns', '--state-dir', join(root, 'agent')],
      /listening on (\S+):(\d+)[\s\S]*pairing code: (\S+)/);
    try {
      const { page } = browser;
      await page.goto(`${serve.url}#/agents`);
      await page.getByLabel('Agent to pair').fill(`127.0.0.1:${agent.match[2]}`);
      await page.getByLabel('Pairing code').fill(agent.match[3]!);
      await page.getByRole('button', { name: 'Pair', exact: true }).click();
      await page.getByText(/^Paired with/).waitFor({ timeout: 15_000 });
      await page.locator('[data-agent="e2e-agent"][data-paired="true"]').waitFor({ timeout: 15_000 });
      await browser.screenshot('serve-agents-paired');
    } finally {
      await agent.close();
    }
  });
});
