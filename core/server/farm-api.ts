// What the API can ask of the farm, answered from the coordinator (live) and the store (history).
// Project loading and the report format come in from the caller, so core stays free of the CLI.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { planJson, wouldRunWithCache } from '../plan/format-plan';
import type { Coordinator } from '../coordinator/types';
import type { Plan } from '../plan/types';
import type { OutputFile } from '../protocol/types';
import type { Store } from '../store/types';

export interface ProjectInfo {
  id: string;
  dir: string;
  name: string;
}

export interface BuildStart {
  project?: string;
  dir?: string;
  only: string[];
  noCache: boolean;
  /** What started it, shown in build lists (`farmhand run` in a terminal, the window, ...). */
  origin?: string;
}

type Failure = { error: string; status: number };

export interface FarmApiOptions {
  coordinator: Coordinator;
  store: Store;
  /** Plans the project in `dir`, narrowed by `only`; errors are the lines a terminal would show. */
  loadPlan(dir: string, only: string[]): { root: string; plan: Plan } | { error: string };
  /** The run report of a build (plus `needs` per job), as `--report` writes it. */
  report(build: string): unknown;
  /** One stored file's bytes, by content hash. */
  readBlob?(sha256: string): Buffer | undefined;
  /** Agents as `farmhand agents --json` lists them. */
  agents?(): unknown[];
  pair?(agent: string, code: string): Promise<{ body: unknown } | Failure>;
  /** Called when a build is accepted, so an owner can wait for it before exiting. */
  onBuild?(build: string): void;
  /** False while the owner is stopping: new builds are refused with 503 so the caller retries. */
  accepting?(): boolean;
  describe(): { pid: number; kind: string; version: string };
}

export interface FarmApi {
  hello(): unknown;
  listProjects(): ProjectInfo[];
  openProject(dir: string): (ProjectInfo & { error?: string }) | { error: string };
  plan(project: string, only: string[]): { body: unknown } | Failure;
  startBuild(request: BuildStart): Promise<{ build: string } | Failure>;
  listBuilds(limit: number): unknown[];
  report(build: string): unknown;
  cancelBuild(build: string): 'canceled' | 'not running' | 'unknown';
  retryJob(build: string, job: string): Promise<{ build: string } | Failure>;
  log(build: string, job: string, from: number, limit: number): { lines: unknown[]; next: number } | undefined;
  outputs(build: string, job: string): OutputFile[] | undefined;
  blob(sha256: string): Buffer | undefined;
  agents(): unknown[];
  pair(agent: string, code: string): Promise<{ body: unknown } | Failure>;
  resourceGroups(): unknown[];
}

const isFolder = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

const projectId = (dir: string) => `p-${createHash('sha256').update(dir).digest('hex').slice(0, 10)}`;

/** The farm as the API sees it. */
export function createFarmApi(options: FarmApiOptions): FarmApi {
  const { coordinator, store } = options;
  const projects = new Map<string, ProjectInfo>();
  const remember = (dir: string): ProjectInfo => {
    const absolute = resolve(dir);
    const info = { id: projectId(absolute), dir: absolute, name: basename(absolute) };
    projects.set(info.id, info);
    return info;
  };
  // Projects built before are known without being opened again.
  for (const project of store.recentProjects(200)) if (!projects.has(projectId(project))) remember(project);
  const dirOf = (request: { project?: string; dir?: string }) => (request.dir ? resolve(request.dir) : projects.get(request.project ?? '')?.dir);

  return {
    hello: () => ({ farmhand: true, ...options.describe() }),
    listProjects: () => [...projects.values()],
    openProject(dir) {
      const loaded = options.loadPlan(dir, []);
      if (!('error' in loaded)) return remember(loaded.root);
      // A folder whose spec does not plan is still opened: the window shows its errors, and the
      // next edit may fix them. A folder that is not there is refused.
      if (!isFolder(resolve(dir))) return { error: loaded.error };
      return { ...remember(dir), error: loaded.error };
    },
    plan(project, only) {
      const dir = dirOf({ project });
      if (!dir) return { error: `no project ${project}`, status: 404 };
      const loaded = options.loadPlan(dir, only);
      if ('error' in loaded) return { error: loaded.error, status: 422 };
      // As `plan --format json` prints it: each job's `would` from this coordinator's cache.
      return { body: planJson(loaded.plan, wouldRunWithCache((key) => store.getCacheEntry(key) !== undefined)) };
    },
    async startBuild(request) {
      if (options.accepting && !options.accepting()) return { error: 'the coordinator of this state dir is stopping; try again', status: 503 };
      const dir = dirOf(request);
      if (!dir) return { error: `no project ${request.project}`, status: 404 };
      const loaded = options.loadPlan(dir, request.only);
      if ('error' in loaded) return { error: loaded.error, status: 422 };
      remember(loaded.root);
      const build = coordinator.startBuild({ root: loaded.root, plan: loaded.plan, options: { noCache: request.noCache, only: request.only, origin: request.origin } });
      options.onBuild?.(build);
      return { build };
    },
    listBuilds: (limit) =>
      store.listBuilds(limit).map((build) => ({
        build: build.id,
        project: build.project,
        status: build.status,
        origin: build.options.origin ?? null,
        created_at: build.createdAt,
        started_at: build.startedAt ?? null,
        finished_at: build.finishedAt ?? null,
        jobs: build.jobs,
      })),
    report: (build) => (store.getBuildInfo(build) ? options.report(build) : undefined),
    cancelBuild(build) {
      if (!store.getBuildInfo(build)) return 'unknown';
      return coordinator.cancelBuild(build, 'canceled by request') ? 'canceled' : 'not running';
    },
    async retryJob(build, job) {
      const record = store.getBuild(build);
      if (!record) return { error: `no build ${build}`, status: 404 };
      if (!record.plan.jobs.some((planned) => planned.id === job)) return { error: `build ${build} has no job ${job}`, status: 404 };
      // A retry is a new build of that job and what it needs: the needs come from the cache.
      return this.startBuild({ dir: record.project, only: [job], noCache: false, origin: `retry of ${job} from ${build}` });
    },
    log(build, job, from, limit) {
      if (!store.getJob(build, job)) return undefined;
      const chunks = store.readLog(build, job, from).slice(0, limit);
      const lines = chunks.map((chunk) => ({ seq: chunk.seq, stream: chunk.stream, text: chunk.data, at: chunk.at, attempt: chunk.attempt }));
      return { lines, next: chunks.length > 0 ? chunks[chunks.length - 1]!.seq : from };
    },
    outputs(build, job) {
      const record = store.getJob(build, job);
      if (!record) return undefined;
      if (record.state !== 'success' && record.state !== 'cached') return [];
      return store.getCacheEntry(record.key)?.outputs ?? [];
    },
    blob: (sha256) => options.readBlob?.(sha256),
    agents: () => options.agents?.() ?? store.listAgents().map((agent) => ({ ...agent, last_seen: agent.lastSeen })),
    pair: (agent, code) => options.pair?.(agent, code) ?? Promise.resolve({ error: 'pairing needs LAN agents, which this coordinator does not serve', status: 501 }),
    resourceGroups() {
      // A group belongs to its project (its folder): two projects' `deploy` groups are two rows.
      type Row = { name: string; project: string; capacity: number | null; holders: { build: string; job: string }[]; waiters: { build: string; job: string; position: number }[] };
      const groups = new Map<string, Row>();
      const group = (project: string, name: string) => {
        const key = `${project}\0${name}`;
        let entry = groups.get(key);
        if (!entry) groups.set(key, (entry = { name, project, capacity: null, holders: [], waiters: [] }));
        return entry;
      };
      for (const holder of store.listHolders()) group(store.getBuildInfo(holder.build)?.project ?? '', holder.group).holders.push({ build: holder.build, job: holder.job });
      for (const build of store.unfinishedBuilds()) {
        for (const settings of build.plan.resourceGroups) if (!settings.pattern.includes('*')) group(build.project, settings.pattern).capacity = settings.capacity;
        for (const job of store.listJobs(build.id)) {
          if (job.state === 'waiting' && job.waiting) group(build.project, job.waiting.group).waiters.push({ build: build.id, job: job.id, position: job.waiting.position });
        }
      }
      for (const entry of groups.values()) {
        entry.capacity ??= 1;
        entry.waiters.sort((a, b) => a.position - b.position);
      }
      return [...groups.values()];
    },
  };
}
