// electron/main.ts with a fake `electron` module and a stand-in coordinator host on loopback: the
// single-instance lock, the window's URL and security switches, IPC handlers behind the sender
// check, the tray and notifications fed by real WebSocket events, and the quit question.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { describeHost } from '../../../electron/coordinator';
import type * as Coordinator from '../../../electron/coordinator';
import type * as LendAgent from '../../../electron/lend-agent';
import { buildEvent, jobEvent } from './events';
import { createFakeElectron } from './fake-electron';
import type { FakeElectron } from './fake-electron';
import { startFakeHost, token } from './fake-host';
import type { FakeHost } from './fake-host';

const shared = vi.hoisted(() => ({ electron: undefined as unknown as FakeElectron, host: undefined as unknown as FakeHost, hostClosed: false }));
vi.mock('electron', () => shared.electron.module);
vi.mock('../../../electron/coordinator', async (importOriginal) => {
  const original = await importOriginal<typeof Coordinator>();
  return {
    ...original,
    startDesktopCoordinator: async () =>
      original.describeHost({ url: shared.host.url, token, joined: false, idle: async () => undefined, close: async () => void (shared.hostClosed = true) }),
  };
});

// The lent agent is a stand-in that prints a pairing code: a real `farmhand agent` would advertise
// itself by mDNS on the host's network, which tests must not do.
vi.mock('../../../electron/lend-agent', async (importOriginal) => {
  const original = await importOriginal<typeof LendAgent>();
  return { ...original, agentCommand: () => ({ command: 'sh', args: ['-c', 'echo "pairing code: 4821-0937"; exec sleep 30'] }) };
});

const root = mkdtempSync(join(tmpdir(), 'farmhand-main-'));
const project = join(root, 'project');
mkdirSync(project);

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const trayLabels = () => (shared.electron.trayMenus.at(-1) ?? []).map((item) => (item as { label?: string }).label ?? '---');

beforeAll(async () => {
  shared.host = await startFakeHost();
  shared.electron = createFakeElectron(process.cwd(), join(root, 'user-data'));
  mkdirSync(join(root, 'user-data'));
  process.argv = ['/usr/bin/electron', '.', project];
  await import('../../../electron/main');
  await until(() => shared.host.sockets.length === 1 && shared.electron.windows.length === 1);
});

afterAll(async () => {
  await shared.host.close();
  rmSync(root, { recursive: true, force: true });
});

describe('electron/main.ts', () => {
  const entry = () => describeHost({ url: shared.host.url, token, joined: false, idle: async () => undefined, close: async () => undefined });

  it('takes the single-instance lock and opens one sandboxed window on the host with its token', () => {
    const { app, windows } = shared.electron;
    expect(app.requestSingleInstanceLock).toHaveBeenCalledTimes(1);
    expect(windows[0]?.urls).toEqual([entry().entryUrl]);
    expect(windows[0]?.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, preload: join(process.cwd(), 'dist', 'electron', 'preload.cjs') });
    expect(shared.electron.menus).toHaveLength(1);
  });

  it('opens the folder named on the command line in the coordinator', async () => {
    await until(() => shared.host.requests.some((request) => request.url === '/api/projects'));
    expect(shared.host.requests.find((request) => request.url === '/api/projects')).toMatchObject({ method: 'POST', body: JSON.stringify({ dir: project }), authorization: `Bearer ${token}` });
  });

  it('answers IPC from the window origin only', async () => {
    const version = shared.electron.handlers.get('farmhand:app-version');
    expect(await version?.({ senderFrame: { url: `${entry().origin}/` } })).toBe('0.1.0-test');
    expect(() => version?.({ senderFrame: { url: 'https://evil.example/' } })).toThrow(/refused/);
  });

  it('a second launch focuses the window and opens its folder', async () => {
    const before = shared.host.requests.length;
    shared.electron.app.emit('second-instance', {}, ['/usr/bin/electron', '.', 'project'], root);
    await until(() => shared.host.requests.length > before);
    expect(shared.host.requests.at(-1)).toMatchObject({ url: '/api/projects', body: JSON.stringify({ dir: project }) });
    expect(shared.electron.windows).toHaveLength(1);
  });

  it('builds the tray menu from the host events, and notifies when a build finishes', async () => {
    const now = Date.now();
    shared.host.sockets[0]?.send(JSON.stringify({ seq: 1, events: [buildEvent('b-0001', 'running', now), jobEvent('b-0001', 'p/a', 'running', now), jobEvent('b-0001', 'p/b', 'success', now)] }));
    await until(() => trayLabels()[0] === 'b-0001 running: 1/2 jobs (50%)');
    shared.host.sockets[0]?.send(JSON.stringify({ seq: 2, events: [jobEvent('b-0001', 'p/a', 'failed', now + 1), buildEvent('b-0001', 'failed', now + 2)] }));
    await until(() => shared.electron.notifications.length === 1);
    const [notification] = shared.electron.notifications;
    expect(notification?.options).toEqual({ title: 'Build b-0001 failed', body: 'Job failed: p/a.' });
    expect(notification?.shown).toBe(true);
    notification?.emit('click');
    expect(shared.electron.windows[0]?.urls.at(-1)).toBe(`${entry().origin}/#/builds/b-0001/jobs/p%2Fa`);
    expect(trayLabels()[0]).toBe('No builds running');
  });

  it('cancels a build from the tray', async () => {
    const now = Date.now();
    shared.host.sockets[0]?.send(JSON.stringify({ seq: 3, events: [buildEvent('b-0002', 'running', now)] }));
    await until(() => trayLabels()[0]?.startsWith('b-0002') === true);
    const submenu = (shared.electron.trayMenus.at(-1)?.[0] as { submenu: { label: string; click: () => void }[] }).submenu;
    submenu.find((item) => item.label === 'Cancel build')?.click();
    await until(() => shared.host.requests.some((request) => request.url === '/api/builds/b-0002/cancel'));
  });

  it('lends the machine from the tray, shows its pairing code, and stops lending', async () => {
    const lendingItem = () => shared.electron.trayMenus.at(-1)?.find((item) => (item as { type?: string }).type === 'checkbox') as { checked: boolean; click: () => void };
    const before = shared.electron.notifications.length;
    lendingItem().click();
    await until(() => lendingItem().checked);
    await until(() => shared.electron.notifications.length > before);
    expect(shared.electron.notifications.at(-1)?.options.title).toBe('Pairing code for this machine');
    expect(shared.electron.notifications.at(-1)?.options.body).toContain('4821-0937');
    lendingItem().click();
    await until(() => !lendingItem().checked);
    // Stopped on purpose: no "lending stopped" notification.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(shared.electron.notifications.at(-1)?.options.title).toBe('Pairing code for this machine');
  });

  it('asks before quitting with a build running, and stays when told to', () => {
    const { app, dialog } = shared.electron;
    const event = { preventDefault: vi.fn() };
    dialog.showMessageBoxSync.mockReturnValueOnce(1);
    app.emit('before-quit', event);
    expect(event.preventDefault).toHaveBeenCalled();
    expect(dialog.showMessageBoxSync).toHaveBeenCalledWith(expect.objectContaining({ message: 'Cancel running builds and quit?', cancelId: 1, defaultId: 1 }));
    expect(app.quit).not.toHaveBeenCalled();
    expect(shared.hostClosed).toBe(false);
  });

  it('quits when confirmed: closes the event connection and the host, then quits', async () => {
    const { app, dialog } = shared.electron;
    dialog.showMessageBoxSync.mockReturnValueOnce(0);
    app.emit('before-quit', { preventDefault: vi.fn() });
    await until(() => app.quit.mock.calls.length === 1);
    expect(shared.hostClosed).toBe(true);
    await until(() => shared.host.sockets.every((socket) => socket.readyState === socket.CLOSED));
    // The second before-quit (from app.quit itself) goes through without asking again.
    const again = { preventDefault: vi.fn() };
    app.emit('before-quit', again);
    expect(again.preventDefault).not.toHaveBeenCalled();
  });
});
