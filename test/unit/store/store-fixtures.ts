// Shared by the store tests: temp dirs that are removed afterwards, and small plans.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Plan, PlannedJob } from '../../../core/plan/types';
import type { BuildRecord, Store } from '../../../core/store/types';

/** Temp dirs and stores a test opened; `cleanup()` closes and removes all of them. */
export function createScratch() {
  const dirs: string[] = [];
  const stores: Store[] = [];
  return {
    dir(): string {
      const dir = mkdtempSync(join(tmpdir(), 'farmhand-store-'));
      dirs.push(dir);
      return dir;
    },
    track<T extends Store>(store: T): T {
      stores.push(store);
      return store;
    },
    cleanup(): void {
      for (const store of stores.splice(0)) store.close();
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A planned job with defaults for everything but its id. */
export function plannedJob(id: string, extra: Partial<PlannedJob> = {}): PlannedJob {
  const [pipeline = 'p', name = id] = id.split('/');
  return {
    id,
    pipeline,
    name,
    run: ['true'],
    pool: 'default',
    labels: [],
    env: {},
    workingDirectory: '.',
    inputs: [],
    outputs: [],
    cache: true,
    retry: { max: 0, when: [] },
    allowFailure: false,
    needs: [],
    key: `key-${id}`,
    criticalPath: 1,
    ...extra,
  };
}

/** A plan of the given job ids, in that order. */
export function planOf(ids: string[], extra: Record<string, Partial<PlannedJob>> = {}): Plan {
  return { pipelines: [], jobs: ids.map((id) => plannedJob(id, extra[id])), resourceGroups: [] };
}

/** Creates a build of `ids` in `store` with the next build id, and returns its record as given. */
export function createTestBuild(store: Store, ids: string[], createdAt = 1000): Omit<BuildRecord, 'status'> {
  const build = { id: store.nextBuildId(), project: '/project', createdAt, plan: planOf(ids), options: { noCache: false, only: [] } };
  store.createBuild(build);
  return build;
}

/** A timer that fires only when told to. */
export function manualTimer() {
  const pending = new Map<number, () => void>();
  let next = 0;
  return {
    setTimeout(callback: () => void) {
      pending.set(++next, callback);
      return next;
    },
    clearTimeout(handle: unknown) {
      pending.delete(handle as number);
    },
    fire() {
      for (const [id, callback] of [...pending]) {
        pending.delete(id);
        callback();
      }
    },
    scheduled: () => pending.size,
  };
}

/** Counts rows through a second connection, which sees only committed data. */
export function committedRows(file: string, table: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}
