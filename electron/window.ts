// The main window and every web contents the app creates: navigation outside the app's origin
// goes to the system browser (or nowhere), no pop-up windows, no <webview>, no permissions; the
// window's bounds are saved when it closes.
import { BrowserWindow, screen, session, shell } from 'electron';
import type { WebContents } from 'electron';
import { decideNavigation } from './navigation';
import { mainWindowOptions } from './window-options';
import { fitToDisplays, saveWindowState } from './window-state';
import type { WindowState } from './window-state';

/** Applies the navigation rules of navigation.ts to `contents`. */
export function hardenWebContents(contents: WebContents, origin: () => string | undefined): void {
  const route = (url: string): boolean => {
    const appOrigin = origin();
    const decision = appOrigin ? decideNavigation(url, appOrigin) : 'deny';
    if (decision === 'external') void shell.openExternal(url);
    return decision === 'allow';
  };
  contents.on('will-navigate', (event, url) => {
    if (!route(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!route(url)) event.preventDefault();
  });
  // Links meant for a new window open in the system browser, or, on the app's origin, in place.
  contents.setWindowOpenHandler(({ url }) => {
    if (route(url)) void contents.loadURL(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** Refuses every permission request (camera, geolocation, …): the window needs none. */
export function denyPermissions(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
}

export interface MainWindowInput {
  state: WindowState;
  stateFile: string;
  preload: string;
  icon?: string;
  url: string;
  /** The state to save with the window's bounds when it closes (projects opened meanwhile). */
  currentState(): WindowState;
  onSaveError?(error: unknown): void;
}

/** Opens the main window on `url` with the saved size and position, and saves them on close. */
export function openMainWindow(input: MainWindowInput): BrowserWindow {
  const displays = screen.getAllDisplays().map((display) => display.workArea);
  const window = new BrowserWindow(mainWindowOptions(fitToDisplays(input.state.bounds, displays), input.preload, input.icon));
  if (input.state.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());
  window.on('close', () => {
    const bounds = window.getNormalBounds();
    try {
      saveWindowState(input.stateFile, { ...input.currentState(), bounds, maximized: window.isMaximized() });
    } catch (error) {
      input.onSaveError?.(error);
    }
  });
  void window.loadURL(input.url);
  return window;
}
