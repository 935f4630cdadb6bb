// The desktop shell against the real coordinator host (cli/host.ts), in-process as the app runs it:
// real SQLite in a temp state dir, real loopback HTTP and WebSocket, real shell jobs. The farm view,
// tray menu, notifications and quit question are fed by the host's own events.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FarmEvent } from '../../../core/protocol/types';
import { startDesktopCoordinator } from '../../../electron/coordinator';
import type { DesktopCoordinator } from '../../../electron/coordinator';
import { connectFarm } from '../../../electron/farm-client';
import type { FarmClient } from '../../../electron/farm-client';
import { applyEvents, createFarmView } from '../../../electron/farm-view';
import { createNotificationRules } from '../../../electron/notifications';
import type { DesktopNotification } from '../../../electron/notifications';
import { quitDecision } from '../../../electron/quit-guard';
import { buildTrayMenu } from '../../../electron/tray-menu';
import { tempProject } from '../../helpers/cli';
import type { TempProject } from '../../helpers/cli';

const spec = `version: 1
name: app
jobs:
  quick:
    run: ["echo quick"]
  slow:
    run: ["sleep 30"]
`;

let project: TempProject;
let staticDir: string;
let coordinator: DesktopCoordinator;
let client: FarmClient;
const view = createFarmView();
const rules = createNotificationRules({ now: () => Date.now() });
const notifications: DesktopNotification[] = [];
const received: FarmEvent[] = [];

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function startBuild(only: string[]): Promise<string> {
  const response = await fetch(new URL('/api/builds', coordinator.host.url), {
    method: 'POST',
    headers: { Authorization: `Bearer ${coordinator.host.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ dir: project.dir, only }),
  });
  const body = (await response.json()) as { build?: string; error?: string };
  if (response.status !== 201 || !body.build) throw new Error(`POST /api/builds: ${response.status} ${body.error}`);
  return body.build;
}

beforeAll(async () => {
  project = tempProject({ 'farmhand.yml': spec });
  staticDir = mkdtempSync(join(tmpdir(), 'farmhand-static-'));
  coordinator = await startDesktopCoordinator(project.stateDir, staticDir);
  let connected = false;
  client = connectFarm({
    url: coordinator.host.url,
    token: coordinator.host.token,
    onStatus: (status) => (connected = status === 'connected'),
    onEvents: (events) => {
      received.push(...events);
      applyEvents(view, events);
      notifications.push(...rules.observe(events));
    },
  });
  // A first connection gets events from the moment it opens: wait for it before starting builds.
  await until(() => connected);
});

afterAll(async () => {
  await client?.close();
  await coordinator?.host.close();
  project?.close();
  if (staticDir) rmSync(staticDir, { recursive: true, force: true });
});

describe('the desktop shell on the real host', () => {
  it('owns the state dir and serves on loopback', () => {
    expect(coordinator.host.joined).toBe(false);
    expect(coordinator.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(coordinator.entryUrl).toBe(`${coordinator.origin}/?token=${encodeURIComponent(coordinator.host.token)}`);
  });

  it('opens a project folder', async () => {
    await client.openProject(project.dir);
    await expect(client.openProject(join(project.dir, 'missing'))).rejects.toThrow(/does not exist/);
  });

  it('a finished build reaches the farm view and raises its notification', async () => {
    const build = await startBuild(['app/quick']);
    await until(() => view.builds.get(build)?.state === 'success');
    await until(() => notifications.some((notification) => notification.key === `build:${build}:success`));
    expect(notifications.find((notification) => notification.key === `build:${build}:success`)).toMatchObject({ title: `Build ${build} succeeded`, target: { kind: 'build', build } });
  });

  it('a running build shows in the tray and the quit question, and cancels from the client', async () => {
    const build = await startBuild(['app/slow']);
    await until(() => view.builds.get(build)?.jobs.get('app/slow')?.state === 'running');
    const tray = buildTrayMenu(view, { lending: { state: 'off' } });
    expect(tray[0]).toMatchObject({ kind: 'submenu', label: `${build} running: 0/1 jobs (0%)` });
    expect(quitDecision(view, { joined: coordinator.host.joined, lending: false })).toMatchObject({ ask: true, detail: `Build ${build} will be canceled, on this machine and on agents.` });
    await client.cancelBuild(build);
    await until(() => view.builds.get(build)?.state === 'canceled');
    expect(buildTrayMenu(view, { lending: { state: 'off' } })[0]).toEqual({ kind: 'label', label: 'No builds running' });
    expect(quitDecision(view, { joined: false, lending: false })).toEqual({ ask: false });
  });

  it('a cancel of an unknown build is refused with the host sentence', async () => {
    await expect(client.cancelBuild('b-9999')).rejects.toThrow(/b-9999/);
  });
});
