// The main-process side of preload-api.ts: one handler per channel, each behind the sender check
// and each checking its own arguments. Electron's dialog and shell come in as collaborators, so
// tests drive this with a fake ipcMain and a page URL of their choosing.
import { isAbsolute } from 'node:path';
import { guardHandler } from './ipc-guard';
import type { IpcSenderEvent } from './ipc-guard';
import { desktopChannels } from './preload-api';

/** The part of Electron's ipcMain used here. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcSenderEvent, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export interface DesktopHandlerDeps {
  /** The app's origin (the coordinator's loopback URL); undefined until the host is up. */
  appOrigin(): string | undefined;
  /** Shows the folder picker; the folder or null. */
  chooseFolder(): Promise<string | null>;
  /** Called with each folder the user picked (to remember it with the window state). */
  onFolderChosen?(folder: string): void;
  revealFile(path: string): void;
  version: string;
}

/** Registers the handlers; returns a function that removes them. */
export function registerDesktopHandlers(ipc: IpcMainLike, deps: DesktopHandlerDeps): () => void {
  const guard = <Args extends unknown[], Result>(channel: string, handler: (...args: Args) => Result) =>
    ipc.handle(channel, guardHandler(channel, deps.appOrigin, handler) as (event: IpcSenderEvent, ...args: unknown[]) => unknown);

  guard(desktopChannels.openFolder, async () => {
    const folder = await deps.chooseFolder();
    if (folder) deps.onFolderChosen?.(folder);
    return folder;
  });
  guard(desktopChannels.revealFile, (path: unknown) => {
    if (typeof path !== 'string' || !isAbsolute(path) || path.includes('\0')) {
      throw new TypeError('revealFile needs an absolute file path');
    }
    deps.revealFile(path);
  });
  guard(desktopChannels.appVersion, () => deps.version);
  return () => {
    for (const channel of Object.values(desktopChannels)) ipc.removeHandler(channel);
  };
}
