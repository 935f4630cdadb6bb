// The quit question, the application menu, the window's security switches and the host's entry URL.
import { describe, expect, it, vi } from 'vitest';
import type { FarmhandHost } from '../../../cli/host';
import { appMenuTemplate } from '../../../electron/app-menu';
import { describeHost } from '../../../electron/coordinator';
import { applyEvents, createFarmView } from '../../../electron/farm-view';
import { quitDecision } from '../../../electron/quit-guard';
import { mainWindowOptions } from '../../../electron/window-options';
import { buildEvent } from './events';

describe('quitDecision', () => {
  const running = () => applyEvents(createFarmView(), [buildEvent('b-0001', 'running', 1), buildEvent('b-0002', 'queued', 2), buildEvent('b-0000', 'success', 0)]);

  it('quits without asking when nothing runs and nothing is lent', () => {
    expect(quitDecision(createFarmView(), { joined: false, lending: false })).toEqual({ ask: false });
    expect(quitDecision(applyEvents(createFarmView(), [buildEvent('b-0001', 'failed', 1)]), { joined: false, lending: false })).toEqual({ ask: false });
  });

  it('asks before canceling running builds, naming them, with "keep running" the default', () => {
    const decision = quitDecision(running(), { joined: false, lending: false });
    expect(decision).toEqual({
      ask: true,
      message: 'Cancel running builds and quit?',
      detail: 'Builds b-0001, b-0002 will be canceled, on this machine and on agents.',
      buttons: ['Cancel builds and quit', 'Keep running'],
      defaultButton: 1,
    });
  });

  it('does not ask about builds of a coordinator another process owns', () => {
    expect(quitDecision(running(), { joined: true, lending: false })).toEqual({ ask: false });
  });

  it('asks before it stops lending the machine', () => {
    const decision = quitDecision(createFarmView(), { joined: true, lending: true });
    expect(decision).toMatchObject({ ask: true, message: 'Stop lending this machine and quit?', buttons: ['Quit', 'Keep running'] });
  });
});

describe('appMenuTemplate', () => {
  const actions = { openFolder: vi.fn(), openStateFolder: vi.fn() };
  const roles = (template: ReturnType<typeof appMenuTemplate>) => template.map((item) => item.role ?? item.label);

  it('has the usual roles on macOS, with the app menu first and Close in File', () => {
    const template = appMenuTemplate('darwin', actions);
    expect(roles(template)).toEqual(['appMenu', 'File', 'editMenu', 'viewMenu', 'windowMenu', 'help']);
    expect((template[1]?.submenu as { role?: string }[]).map((item) => item.role)).toContain('close');
  });

  it('puts Quit in File and About in Help elsewhere', () => {
    const template = appMenuTemplate('linux', actions);
    expect(roles(template)).toEqual(['File', 'editMenu', 'viewMenu', 'windowMenu', 'help']);
    expect((template[0]?.submenu as { role?: string }[]).map((item) => item.role)).toContain('quit');
    expect((template[4]?.submenu as { role?: string }[]).map((item) => item.role)).toContain('about');
  });

  it('opens a folder from File and the state folder from Help', () => {
    const template = appMenuTemplate('win32', actions);
    const open = (template[0]?.submenu as { label?: string; accelerator?: string; click?: () => void }[])[0];
    expect(open).toMatchObject({ label: 'Open Folder…', accelerator: 'CmdOrCtrl+O' });
    open?.click?.();
    (template[4]?.submenu as { click?: () => void }[])[0]?.click?.();
    expect(actions.openFolder).toHaveBeenCalledTimes(1);
    expect(actions.openStateFolder).toHaveBeenCalledTimes(1);
  });
});

describe('mainWindowOptions', () => {
  it('isolates and sandboxes the page, with no Node in it', () => {
    const options = mainWindowOptions({ x: 10, y: 20, width: 1200, height: 800 }, '/app/dist/electron/preload.cjs');
    expect(options.webPreferences).toMatchObject({
      preload: '/app/dist/electron/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(options).toMatchObject({ x: 10, y: 20, width: 1200, height: 800, show: false });
  });
});

describe('describeHost', () => {
  const host = (url: string): FarmhandHost => ({ url, token: 'a b/c', joined: false, idle: async () => undefined, close: async () => undefined });

  it('opens the page with the token (URL-encoded) and checks senders against the origin', () => {
    expect(describeHost(host('http://127.0.0.1:40123'))).toMatchObject({ origin: 'http://127.0.0.1:40123', entryUrl: 'http://127.0.0.1:40123/?token=a+b%2Fc' });
  });
});
