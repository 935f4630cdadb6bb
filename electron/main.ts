// Electron's main process, kept thin: it wires the plain modules of electron/ to Electron. One
// instance per user; the coordinator starts in-process (or is joined); a sandboxed window shows the
// renderer it serves; a tray menu and notifications follow the farm's events.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { app, dialog, ipcMain, Menu, Notification, shell } from 'electron';
import type { BrowserWindow } from 'electron';
import { resolveStateDir } from '../core/store/state-dir';
import { appMenuTemplate } from './app-menu';
import { startDesktopCoordinator } from './coordinator';
import type { DesktopCoordinator } from './coordinator';
import { connectFarm } from './farm-client';
import type { FarmClient } from './farm-client';
import { applyEvents, createFarmView } from './farm-view';
import { registerDesktopHandlers } from './ipc-handlers';
import { agentCommand, createLending } from './lend-agent';
import { createNotificationRules } from './notifications';
import type { DesktopEvent, DesktopNotification } from './notifications';
import { quitDecision } from './quit-guard';
import { targetUrl } from './routes';
import { folderFromArgv, handleSecondInstance } from './single-instance';
import type { LaunchContext } from './single-instance';
import { createDesktopTray } from './tray';
import type { LendingStatus } from './tray-menu';
import { denyPermissions, hardenWebContents, openMainWindow } from './window';
import { loadWindowState, rememberProject } from './window-state';

const appRoot = app.getAppPath();
const stateDir = resolveStateDir(undefined, process.env);
const stateFile = join(app.getPath('userData'), 'window-state.json');
const agentConfig = join(stateDir, 'agent.yml');
const launch = (cwd: string): LaunchContext => ({ isPackaged: app.isPackaged, cwd, isDirectory: (path) => existsSync(path) && statSync(path).isDirectory() });

const view = createFarmView();
const notifications = createNotificationRules({ now: () => Date.now(), quietBefore: Date.now() });
const loaded = loadWindowState(stateFile);
if (loaded.warning) process.stderr.write(`farmhand: ${loaded.warning}\n`);
let state = loaded.state;
let coordinator: DesktopCoordinator | undefined;
let client: FarmClient | undefined;
let window: BrowserWindow | undefined;
let lendingStatus: LendingStatus = { state: 'off' };
let quitting = false;

/** A lending of this machine with the agent.yml as it is now (the owner may have written one since). */
const prepareLending = () =>
  createLending({
    ...agentCommand({ execPath: process.execPath, runsInElectron: true, farmhandBin: join(appRoot, 'bin', 'farmhand.cjs'), agentConfig: existsSync(agentConfig) ? agentConfig : undefined }),
    onPairingCode: (code) => observe([{ type: 'pairing', agent: 'this machine', code, at: Date.now() }]),
    onExit: (detail) => {
      lendingStatus = { state: 'off' };
      tray.refresh();
      show({ key: `lending-stopped:${Date.now()}`, title: 'Lending stopped', body: detail, target: { kind: 'agents' } });
    },
  });
let lending = prepareLending();

const tray = createDesktopTray({
  icon: join(appRoot, 'resources', 'tray.png'),
  view,
  lending: () => lendingStatus,
  dispatch: (action) => {
    if (action.type === 'open-window') focusWindow();
    else if (action.type === 'open-build') navigate(targetUrl(coordinator?.origin ?? '', { kind: 'build', build: action.build }));
    else if (action.type === 'cancel-build') void client?.cancelBuild(action.build).catch((error: Error) => dialog.showErrorBox('Could not cancel the build', error.message));
    else if (action.type === 'toggle-lending') void toggleLending();
    else app.quit();
  },
});

function observe(events: Parameters<typeof notifications.observe>[0]): void {
  applyEvents(view, events.filter((event): event is Exclude<typeof event, DesktopEvent> => event.type !== 'pairing'));
  for (const notification of notifications.observe(events)) show(notification);
  tray.refresh();
}

// Shown notifications are kept referenced until clicked or closed: one that is garbage collected
// loses its click handler on some systems.
const shownNotifications = new Set<Notification>();

function show(notification: DesktopNotification): void {
  if (!Notification.isSupported()) return;
  const shown = new Notification({ title: notification.title, body: notification.body });
  shownNotifications.add(shown);
  shown.on('click', () => {
    shownNotifications.delete(shown);
    if (coordinator) navigate(targetUrl(coordinator.origin, notification.target));
  });
  shown.on('close', () => shownNotifications.delete(shown));
  shown.show();
}

function focusWindow(): void {
  if (!coordinator) return;
  if (!window || window.isDestroyed()) {
    window = openMainWindow({ state, stateFile, preload: join(appRoot, 'dist', 'electron', 'preload.cjs'), icon: join(appRoot, 'resources', 'icons', '512x512.png'), url: coordinator.entryUrl, currentState: () => state });
    window.on('closed', () => (window = undefined));
  }
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

function navigate(url: string): void {
  focusWindow();
  void window?.loadURL(url);
}

function openFolder(folder: string): void {
  state = rememberProject(state, folder);
  void client?.openProject(folder).catch((error: Error) => dialog.showErrorBox(`Could not open ${folder}`, error.message));
}

async function chooseFolder(): Promise<string | null> {
  const options: Electron.OpenDialogOptions = { title: 'Open a project folder', properties: ['openDirectory'] };
  const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
}

async function toggleLending(): Promise<void> {
  lendingStatus = { state: 'busy' };
  tray.refresh();
  if (lending.running) {
    await lending.stop();
  } else {
    lending = prepareLending();
    lending.start();
  }
  lendingStatus = { state: lending.running ? 'on' : 'off' };
  tray.refresh();
}

async function start(): Promise<void> {
  await app.whenReady();
  denyPermissions();
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, () => coordinator?.origin));
  Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate(process.platform, {
    openFolder: () => void chooseFolder().then((folder) => folder && openFolder(folder)),
    openStateFolder: () => void shell.openPath(stateDir),
  })));
  try {
    coordinator = await startDesktopCoordinator(stateDir, join(appRoot, 'dist', 'renderer'));
  } catch (error) {
    dialog.showErrorBox('Farmhand could not start its coordinator', `${(error as Error).message}\nState dir: ${stateDir}`);
    app.exit(1);
    return;
  }
  registerDesktopHandlers(ipcMain, {
    appOrigin: () => coordinator?.origin,
    chooseFolder,
    onFolderChosen: (folder) => (state = rememberProject(state, folder)),
    revealFile: (path) => shell.showItemInFolder(path),
    version: app.getVersion(),
  });
  client = connectFarm({ url: coordinator.host.url, token: coordinator.host.token, onEvents: observe });
  const argvFolder = folderFromArgv(process.argv, launch(process.cwd()));
  for (const folder of [...state.projects].reverse()) void client.openProject(folder).catch(() => undefined);
  if (argvFolder) openFolder(argvFolder);
  setInterval(() => notifications.tick().forEach(show), 5_000).unref();
  tray.create();
  focusWindow();
}

async function shutdown(): Promise<void> {
  await lending.stop();
  await client?.close();
  await coordinator?.host.close();
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', (_event, argv, workingDirectory) => handleSecondInstance(argv, launch(workingDirectory), { focusWindow, openFolder }));
  // The tray keeps the app alive with no window; quitting is the tray's or the menu's.
  app.on('window-all-closed', () => undefined);
  app.on('activate', focusWindow);
  app.on('before-quit', (event) => {
    if (quitting) return;
    event.preventDefault();
    const decision = quitDecision(view, { joined: coordinator?.host.joined ?? false, lending: lending.running });
    if (decision.ask) {
      const answer = dialog.showMessageBoxSync({ type: 'question', message: decision.message, detail: decision.detail, buttons: decision.buttons, defaultId: decision.defaultButton, cancelId: 1 });
      if (answer !== 0) return;
    }
    quitting = true;
    void shutdown().finally(() => app.quit());
  });
  void start();
}
