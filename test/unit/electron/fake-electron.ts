// A stand-in for the `electron` module, enough for electron/main.ts to run under vitest: it records
// what main does (windows, IPC handlers, tray menus, notifications, dialogs) so a test can check
// the wiring. The real Electron binary cannot be downloaded on the build machine.
import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

export interface FakeElectron {
  module: Record<string, unknown>;
  app: EventEmitter & { requestSingleInstanceLock: ReturnType<typeof vi.fn>; quit: ReturnType<typeof vi.fn>; exit: ReturnType<typeof vi.fn> };
  windows: FakeWindow[];
  handlers: Map<string, (event: { senderFrame: { url: string } | null }, ...args: unknown[]) => unknown>;
  trayMenus: unknown[][];
  notifications: FakeNotification[];
  dialog: { showOpenDialog: ReturnType<typeof vi.fn>; showErrorBox: ReturnType<typeof vi.fn>; showMessageBoxSync: ReturnType<typeof vi.fn> };
  shell: Record<string, ReturnType<typeof vi.fn>>;
  menus: unknown[][];
}

export class FakeWindow extends EventEmitter {
  urls: string[] = [];
  destroyed = false;
  constructor(readonly options: Record<string, unknown>) {
    super();
  }
  loadURL(url: string) {
    this.urls.push(url);
    return Promise.resolve();
  }
  show() {}
  focus() {}
  restore() {}
  maximize() {}
  isMinimized() {
    return false;
  }
  isMaximized() {
    return false;
  }
  isDestroyed() {
    return this.destroyed;
  }
  getNormalBounds() {
    return { x: 10, y: 20, width: 1000, height: 700 };
  }
}

export class FakeNotification extends EventEmitter {
  shown = false;
  constructor(readonly options: { title: string; body: string }) {
    super();
  }
  static isSupported() {
    return true;
  }
  show() {
    this.shown = true;
  }
}

export function createFakeElectron(appPath: string, userData: string): FakeElectron {
  const windows: FakeWindow[] = [];
  const notifications: FakeNotification[] = [];
  const handlers: FakeElectron['handlers'] = new Map();
  const trayMenus: unknown[][] = [];
  const menus: unknown[][] = [];
  const app = Object.assign(new EventEmitter(), {
    getAppPath: () => appPath,
    getPath: () => userData,
    getVersion: () => '0.1.0-test',
    isPackaged: false,
    whenReady: () => Promise.resolve(),
    requestSingleInstanceLock: vi.fn(() => true),
    quit: vi.fn(),
    exit: vi.fn(),
  });
  const dialog = { showOpenDialog: vi.fn(async () => ({ canceled: true, filePaths: [] })), showErrorBox: vi.fn(), showMessageBoxSync: vi.fn(() => 1) };
  const shell = { openExternal: vi.fn(async () => undefined), openPath: vi.fn(async () => ''), showItemInFolder: vi.fn() };
  class Tray {
    setContextMenu(menu: unknown[]) {
      trayMenus.push(menu);
    }
    setToolTip() {}
  }
  class Notification extends FakeNotification {
    constructor(options: { title: string; body: string }) {
      super(options);
      notifications.push(this);
    }
  }
  class BrowserWindow extends FakeWindow {
    constructor(options: Record<string, unknown>) {
      super(options);
      windows.push(this);
    }
  }
  const module = {
    app,
    BrowserWindow,
    Notification,
    Tray,
    dialog,
    shell,
    ipcMain: { handle: (channel: string, listener: FakeElectron['handlers'] extends Map<string, infer L> ? L : never) => handlers.set(channel, listener), removeHandler: (channel: string) => handlers.delete(channel) },
    Menu: { buildFromTemplate: (template: unknown[]) => template, setApplicationMenu: (menu: unknown[]) => menus.push(menu) },
    nativeImage: { createFromPath: (path: string) => ({ path }) },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    session: { defaultSession: { setPermissionRequestHandler: vi.fn() } },
  };
  return { module, app, windows, handlers, trayMenus, notifications, dialog, shell, menus };
}
