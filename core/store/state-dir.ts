// Where Farmhand keeps its state (the SQLite file and the artifact store), and opening it.
import { mkdirSync, statSync } from 'node:fs';
import { homedir as osHomedir } from 'node:os';
import { dirname, join, posix, win32 } from 'node:path';
import { openArtifactStore } from './artifact-store';
import { openStore } from './sqlite-store';
import type { StoreOptions } from './sqlite-store';
import type { ArtifactStore, Store } from './types';

/**
 * The state dir: `flag` (--state-dir), else `FARMHAND_STATE_DIR`, else the user data dir
 * (XDG_DATA_HOME or ~/.local/share on Linux, ~/Library/Application Support on macOS, %APPDATA% on
 * Windows) plus `farmhand`. The rule of the env-paths package, written out to spare a dependency.
 */
export function resolveStateDir(
  flag: string | undefined,
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform = process.platform,
  homedir: string = osHomedir(),
): string {
  if (flag) return flag;
  if (env.FARMHAND_STATE_DIR) return env.FARMHAND_STATE_DIR;
  if (platform === 'win32') {
    return win32.join(env.APPDATA || win32.join(homedir, 'AppData', 'Roaming'), 'farmhand');
  }
  if (platform === 'darwin') return posix.join(homedir, 'Library', 'Application Support', 'farmhand');
  // XDG says a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME;
  const dataHome = xdg && posix.isAbsolute(xdg) ? xdg : posix.join(homedir, '.local', 'share');
  return posix.join(dataHome, 'farmhand');
}

export interface State {
  dir: string;
  store: Store;
  artifacts: ArtifactStore;
  close(): void;
}

/**
 * `mkdir -p` that always ends: Node's recursive mkdirSync spins forever on a path it can never
 * create, such as one under /proc. Creates missing parents one level at a time.
 */
export function makeDirectory(path: string): void {
  try {
    mkdirSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if (!statSync(path).isDirectory()) throw new Error(`${path} exists and is not a folder`);
      return;
    }
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path) throw error;
    makeDirectory(parent);
    mkdirSync(path);
  }
}

/** Opens the state in `dir` (`farmhand.db` and `cas/`), creating the directories it needs. */
export function openState(dir: string, options: StoreOptions = {}): State {
  makeDirectory(dir);
  const artifacts = openArtifactStore(join(dir, 'cas'));
  const store = openStore(join(dir, 'farmhand.db'), options);
  return {
    dir,
    store,
    artifacts,
    close: () => {
      store.close();
      void artifacts.close();
    },
  };
}
