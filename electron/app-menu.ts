// The application menu: the usual roles (app menu on macOS, edit, view, window, help) plus
// "Open Folder…" and "Show State Folder". Built as data from the platform, so tests see the same template Electron gets.
import type { MenuItemConstructorOptions } from 'electron';

export interface AppMenuActions {
  openFolder(): void;
  /** Shows the state dir (database, cache, logs, agent.yml) in the file manager. */
  openStateFolder(): void;
}

/** The menu template for `platform`. */
export function appMenuTemplate(platform: NodeJS.Platform, actions: AppMenuActions): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      { label: 'Open Folder…', accelerator: 'CmdOrCtrl+O', click: () => actions.openFolder() },
      { type: 'separator' },
      mac ? { role: 'close' } : { role: 'quit' },
    ],
  };
  const template: MenuItemConstructorOptions[] = [file, { role: 'editMenu' }, { role: 'viewMenu' }, { role: 'windowMenu' }];
  const help: MenuItemConstructorOptions[] = [{ label: 'Show State Folder', click: () => actions.openStateFolder() }];
  if (!mac) help.push({ type: 'separator' }, { role: 'about' });
  template.push({ role: 'help', submenu: help });
  if (mac) template.unshift({ role: 'appMenu' });
  return template;
}
