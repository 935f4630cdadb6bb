// The main window's options: sandboxed, context-isolated, no Node in the page, only the preload
// of preload.ts. Kept apart from main.ts so a test pins every security switch.
import type { BrowserWindowConstructorOptions } from 'electron';
import { minimumSize } from './window-state';
import type { WindowBounds } from './window-state';

/** BrowserWindow options for the saved `bounds` and the bundled `preload` script. */
export function mainWindowOptions(bounds: WindowBounds, preload: string, icon?: string): BrowserWindowConstructorOptions {
  return {
    ...bounds,
    minWidth: minimumSize.width,
    minHeight: minimumSize.height,
    title: 'Farmhand',
    show: false,
    ...(icon ? { icon } : {}),
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  };
}
