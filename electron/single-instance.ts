// The folder a launch asks to open. A second launch (`farmhand-desktop ~/src/app`, or a folder
// dropped on the dock icon) hands its argv to the first instance, which focuses its window and opens
// that folder. Chromium and macOS add switches of their own to argv; those are skipped.
import { isAbsolute, resolve } from 'node:path';

export interface LaunchContext {
  /** Packaged apps get [exe, ...args]; `electron .` gets [electron, app path, ...args]. */
  isPackaged: boolean;
  /** The launch's working directory (a relative folder argument is resolved against it). */
  cwd: string;
  /** Whether a path is an existing folder (fs in main, a fake in tests). */
  isDirectory(path: string): boolean;
}

/** The folder named on the command line, resolved, or null when there is none (or it is no folder). */
export function folderFromArgv(argv: readonly string[], context: LaunchContext): string | null {
  const args = argv.slice(context.isPackaged ? 1 : 2);
  for (const arg of args) {
    // --switch, --switch=value (Chromium), -psn_0_123 (old macOS Finder launches).
    if (arg.startsWith('-')) continue;
    const folder = isAbsolute(arg) ? arg : resolve(context.cwd, arg);
    return context.isDirectory(folder) ? folder : null;
  }
  return null;
}

export interface SecondInstanceActions {
  focusWindow(): void;
  openFolder(folder: string): void;
}

/** What the first instance does when another launch hands it `argv`: focus, then open its folder. */
export function handleSecondInstance(argv: readonly string[], context: LaunchContext, actions: SecondInstanceActions): string | null {
  actions.focusWindow();
  const folder = folderFromArgv(argv, context);
  if (folder) actions.openFolder(folder);
  return folder;
}
