import { describe, expect, it, vi } from 'vitest';
import { guardHandler, isTrustedSender } from '../../../electron/ipc-guard';
import type { IpcSenderEvent } from '../../../electron/ipc-guard';
import { registerDesktopHandlers } from '../../../electron/ipc-handlers';
import type { IpcMainLike } from '../../../electron/ipc-handlers';
import { createDesktopApi, desktopChannels } from '../../../electron/preload-api';

const origin = 'http://127.0.0.1:43117';
const from = (url: string | null): IpcSenderEvent => ({ senderFrame: url === null ? null : { url } });

/** An ipcMain stand-in: handlers by channel, invoked as Electron would with a sender event. */
function fakeIpcMain() {
  const handlers = new Map<string, (event: IpcSenderEvent, ...args: unknown[]) => unknown>();
  const ipc: IpcMainLike = {
    handle: (channel, listener) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => void handlers.delete(channel),
  };
  const invoke = async (event: IpcSenderEvent, channel: string, ...args: unknown[]) => {
    const handler = handlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    return handler(event, ...args);
  };
  return { ipc, handlers, invoke };
}

function setUp(appOrigin: () => string | undefined = () => origin) {
  const fake = fakeIpcMain();
  const deps = {
    appOrigin,
    chooseFolder: vi.fn(async (): Promise<string | null> => '/home/ada/src/app'),
    onFolderChosen: vi.fn(),
    revealFile: vi.fn(),
    version: '0.1.0',
  };
  const remove = registerDesktopHandlers(fake.ipc, deps);
  return { ...fake, deps, remove };
}

describe('isTrustedSender', () => {
  it('trusts only frames on the app origin', () => {
    expect(isTrustedSender(from(`${origin}/#/agents`), origin)).toBe(true);
    expect(isTrustedSender(from('https://evil.example/'), origin)).toBe(false);
    expect(isTrustedSender(from('http://127.0.0.1:9999/'), origin)).toBe(false);
    expect(isTrustedSender(from(null), origin)).toBe(false);
    expect(isTrustedSender(from(`${origin}/`), undefined)).toBe(false);
  });

  it('guardHandler does not call the handler for an untrusted sender', () => {
    const handler = vi.fn(() => 'secret');
    const guarded = guardHandler('farmhand:x', () => origin, handler);
    expect(() => guarded(from('https://evil.example/'))).toThrow(/refused farmhand:x: sender https:\/\/evil.example\/ is not the Farmhand window/);
    expect(handler).not.toHaveBeenCalled();
    expect(guarded(from(`${origin}/`))).toBe('secret');
  });
});

describe('registerDesktopHandlers', () => {
  it('registers exactly the three channels of the preload API', () => {
    const { handlers } = setUp();
    expect([...handlers.keys()].sort()).toEqual(Object.values(desktopChannels).sort());
  });

  it('answers the app window', async () => {
    const { invoke, deps } = setUp();
    const page = from(`${origin}/`);
    expect(await invoke(page, desktopChannels.appVersion)).toBe('0.1.0');
    expect(await invoke(page, desktopChannels.openFolder)).toBe('/home/ada/src/app');
    expect(deps.onFolderChosen).toHaveBeenCalledWith('/home/ada/src/app');
    await invoke(page, desktopChannels.revealFile, '/home/ada/src/app/out/app.tar');
    expect(deps.revealFile).toHaveBeenCalledWith('/home/ada/src/app/out/app.tar');
  });

  it('refuses every channel to a page of another origin, before doing anything', async () => {
    const { invoke, deps } = setUp();
    for (const channel of Object.values(desktopChannels)) {
      await expect(invoke(from('https://evil.example/'), channel, '/etc/passwd')).rejects.toThrow(/refused/);
      await expect(invoke(from(null), channel, '/etc/passwd')).rejects.toThrow(/no frame/);
    }
    expect(deps.chooseFolder).not.toHaveBeenCalled();
    expect(deps.revealFile).not.toHaveBeenCalled();
  });

  it('refuses everything until the coordinator (and so the origin) is known', async () => {
    const { invoke } = setUp(() => undefined);
    await expect(invoke(from(`${origin}/`), desktopChannels.appVersion)).rejects.toThrow(/refused/);
  });

  it('checks revealFile arguments', async () => {
    const { invoke, deps } = setUp();
    for (const bad of ['relative/path', 42, undefined, '/tmp/a\0b']) {
      await expect(invoke(from(`${origin}/`), desktopChannels.revealFile, bad)).rejects.toThrow(/absolute file path/);
    }
    expect(deps.revealFile).not.toHaveBeenCalled();
  });

  it('a canceled folder dialog answers null and remembers nothing', async () => {
    const { invoke, deps } = setUp();
    deps.chooseFolder.mockResolvedValueOnce(null);
    expect(await invoke(from(`${origin}/`), desktopChannels.openFolder)).toBeNull();
    expect(deps.onFolderChosen).not.toHaveBeenCalled();
  });

  it('removes its handlers', () => {
    const { handlers, remove } = setUp();
    remove();
    expect(handlers.size).toBe(0);
  });
});

describe('the preload API against the main handlers', () => {
  it('offers only openFolder, revealFile and appVersion, frozen', () => {
    const api = createDesktopApi(async () => undefined);
    expect(Object.keys(api).sort()).toEqual(['appVersion', 'openFolder', 'revealFile']);
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('round-trips through the fake ipcMain as the app page', async () => {
    const { invoke } = setUp();
    const api = createDesktopApi((channel, ...args) => invoke(from(`${origin}/`), channel, ...args));
    expect(await api.appVersion()).toBe('0.1.0');
    expect(await api.openFolder()).toBe('/home/ada/src/app');
    await expect(api.revealFile('')).rejects.toThrow(/file path/);
  });

  it('rejects in the page when main refuses the sender', async () => {
    const { invoke } = setUp();
    const api = createDesktopApi((channel, ...args) => invoke(from('https://evil.example/'), channel, ...args));
    await expect(api.appVersion()).rejects.toThrow(/refused/);
  });
});
