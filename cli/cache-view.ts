// What `plan` says of each job: `cached` when an earlier run stored a result for its key (and the
// artifacts are still there), else `run`. Reads the state dir; creates nothing in it.
import { oneLine } from '../agent/executors/messages';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { wouldRunWithCache, type WouldRun, alwaysRun } from '../core/plan/format-plan';
import { openArtifactStore } from '../core/store/artifact-store';
import { openStore } from '../core/store/sqlite-store';

/** A WouldRun backed by the state dir, or always `run` when there is no database yet. */
export function wouldRunFromState(stateDir: string): WouldRun {
  const database = join(stateDir, 'farmhand.db');
  if (!existsSync(database)) return alwaysRun;
  let store: ReturnType<typeof openStore>;
  let artifacts: ReturnType<typeof openArtifactStore>;
  try {
    store = openStore(database);
    artifacts = openArtifactStore(join(stateDir, 'cas'));
  } catch (error) {
    process.stderr.write(`farmhand: cannot read earlier results in ${stateDir} (every job shown as run): ${oneLine(error)}\n`);
    return alwaysRun;
  }
  const hasSuccess = (key: string) => {
    const entry = store.getCacheEntry(key);
    return entry !== undefined && entry.outputs.every((file) => artifacts.has(file.sha256));
  };
  const wouldRun = wouldRunWithCache(hasSuccess);
  process.once('exit', () => store.close());
  return wouldRun;
}
