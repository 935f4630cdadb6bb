// The window's whole view of the desktop: three calls, each on a fixed channel. preload.ts exposes
// exactly this object through contextBridge; the renderer never sees ipcRenderer itself.

export const desktopChannels = {
  openFolder: 'farmhand:open-folder',
  revealFile: 'farmhand:reveal-file',
  appVersion: 'farmhand:app-version',
} as const;

export type DesktopChannel = (typeof desktopChannels)[keyof typeof desktopChannels];

/** What `window.farmhand` offers a page inside the desktop app. */
export interface DesktopApi {
  /** Shows the system's folder picker; the chosen folder, or null when the user canceled. */
  openFolder(): Promise<string | null>;
  /** Shows a file in the system's file manager. */
  revealFile(path: string): Promise<void>;
  /** The desktop app's version. */
  appVersion(): Promise<string>;
}

export type Invoke = (channel: DesktopChannel, ...args: unknown[]) => Promise<unknown>;

/** Builds the API on top of `invoke` (ipcRenderer.invoke in the preload, a fake in tests). */
export function createDesktopApi(invoke: Invoke): DesktopApi {
  return Object.freeze({
    openFolder: async () => {
      const folder = await invoke(desktopChannels.openFolder);
      return typeof folder === 'string' ? folder : null;
    },
    revealFile: async (path: string) => {
      if (typeof path !== 'string' || path.length === 0) throw new TypeError('revealFile needs a file path');
      await invoke(desktopChannels.revealFile, path);
    },
    appVersion: async () => String(await invoke(desktopChannels.appVersion)),
  });
}
