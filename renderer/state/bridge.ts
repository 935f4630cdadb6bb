// The bridge: the one place that talks to the coordinator. It owns the event WebSocket (reconnect with
// backoff, replay with `?since=SEQ`, a visible "reconnecting" state) and the HTTP client (Bearer token from
// the page URL's ?token= or the `farmhand_token` cookie), and turns both into store actions.
// Browser objects are passed in, so the bridge runs under vitest with fakes.
import type { FarmEvent } from '../../core/protocol/types';
import type { AgentRow, BuildReport, LogLinePage, OutputFile, PlanJob, Project, ResourceGroupRow, Diagnostic } from './api-types';
import type { FarmStore } from './store';

/** The part of a browser WebSocket the bridge uses. */
export interface SocketLike {
  onopen: (() => void) | null;
  onmessage: ((message: { data: unknown }) => void) | null;
  onclose: (() => void) | null;
  onerror: (() => void) | null;
  close(): void;
}

export interface BridgeOptions {
  store: FarmStore;
  /** `http://host:port` of the coordinator. */
  origin: string;
  token: string | null;
  fetch: (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<{ status: number; ok: boolean; json(): Promise<unknown> }>;
  openSocket: (url: string) => SocketLike;
  setTimeout: (run: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  now: () => number;
}

/** An API answer that was not 2xx, with the coordinator's one-sentence error. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly diagnostics: Diagnostic[] = []) {
    super(message);
  }
}

/** Reconnect delays: 250 ms doubling to at most 5 s. */
export function reconnectDelay(failures: number): number {
  return Math.min(5000, 250 * 2 ** Math.min(failures, 5));
}

/** The token from the page URL (`?token=`) or else the `farmhand_token` cookie; null when neither has one. */
export function findToken(search: string, cookie: string): string | null {
  const fromUrl = new URLSearchParams(search).get('token');
  if (fromUrl) return fromUrl;
  const match = /(?:^|;\s*)farmhand_token=([^;]+)/.exec(cookie);
  return match ? decodeURIComponent(match[1]!) : null;
}

const logPageSize = 5000;
const recentLimit = 5000;

type JobEvent = Extract<FarmEvent, { type: 'job' }>;

/** The events of a build that happened at or after the last time its report records for their job. */
export function newerThanReport(report: BuildReport, events: readonly JobEvent[]): JobEvent[] {
  const latest = new Map<string, number>();
  for (const job of report.jobs ?? []) latest.set(job.id, Math.max(job.queued_at ?? 0, job.started_at ?? 0, job.finished_at ?? 0));
  return events.filter((event) => event.build === report.build && event.at >= (latest.get(event.job) ?? 0));
}
const enc = encodeURIComponent;

/** Starts nothing until start(); then keeps the event socket open and the store current. */
export function createBridge(options: BridgeOptions) {
  const { store } = options;
  let socket: SocketLike | null = null;
  let failures = 0;
  let retryTimer: unknown = null;
  let groupsTimer: unknown = null;
  let stopped = true;
  /** The latest job events of every build, so a report fetched a moment late can be brought up to date. */
  let recentJobEvents: JobEvent[] = [];

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const init: { method: string; headers: Record<string, string>; body?: string } = { method, headers };
    if (body !== undefined) init.body = JSON.stringify(body);
    let response;
    try {
      response = await options.fetch(`${options.origin}${path}`, init);
    } catch {
      throw new ApiError(0, 'The coordinator cannot be reached: is `farmhand serve` still running?');
    }
    const data = (await response.json().catch(() => null)) as { error?: string; diagnostics?: Diagnostic[] } | null;
    if (response.status === 401) {
      store.getState().setConnection('unauthorized');
      throw new ApiError(401, 'The coordinator refused the token: open the address `farmhand serve` printed, with its ?token=.');
    }
    if (!response.ok) throw new ApiError(response.status, data?.error ?? `${method} ${path} failed with status ${response.status}.`, data?.diagnostics ?? []);
    return data as T;
  }

  function connect(): void {
    const base = options.origin.replace(/^http/, 'ws');
    const token = options.token ? `&token=${enc(options.token)}` : '';
    const current = options.openSocket(`${base}/api/events?since=${store.getState().lastSeq}${token}`);
    socket = current;
    current.onopen = () => {
      failures = 0;
      store.getState().setConnection('open');
      void refresh();
    };
    current.onmessage = (message) => receive(message.data);
    current.onerror = () => current.close();
    current.onclose = () => {
      if (socket !== current) return;
      socket = null;
      if (!stopped) void reconnectLater();
    };
  }

  async function reconnectLater(): Promise<void> {
    // A socket refused for its token looks like any closed socket: ask over HTTP to tell the two apart.
    const probe = await options.fetch(`${options.origin}/api/builds`, { method: 'GET', headers: options.token ? { authorization: `Bearer ${options.token}` } : {} }).catch(() => null);
    if (stopped) return;
    if (probe?.status === 401) {
      store.getState().setConnection('unauthorized');
      return;
    }
    const delay = reconnectDelay(failures++);
    store.getState().setConnection('reconnecting', options.now() + delay);
    retryTimer = options.setTimeout(() => {
      retryTimer = null;
      if (!stopped) connect();
    }, delay);
  }

  function receive(data: unknown): void {
    let message: { seq?: unknown; events?: unknown; reset?: unknown };
    try {
      message = JSON.parse(String(data)) as typeof message;
    } catch {
      return; // not ours to crash on: the next message or a reconnect replays what matters
    }
    if (typeof message.seq !== 'number' || !Array.isArray(message.events)) return;
    const state = store.getState();
    if (message.reset === true) {
      // The coordinator no longer keeps all the events we missed: reload every snapshot instead.
      state.setLastSeq(message.seq);
      void refresh();
      const { build, job } = state.log;
      if (build && job) void api.openLog(build, job);
      return;
    }
    if (message.seq <= state.lastSeq) return;
    const events = message.events as FarmEvent[];
    state.applyEvents(events);
    state.setLastSeq(message.seq);
    const jobs = events.filter((event): event is JobEvent => event.type === 'job');
    if (jobs.length) recentJobEvents = [...recentJobEvents, ...jobs].slice(-recentLimit);
    if (events.some((event) => event.type === 'job' && event.state !== 'running')) refreshGroupsSoon();
  }

  function refreshGroupsSoon(): void {
    if (groupsTimer !== null) return;
    groupsTimer = options.setTimeout(() => {
      groupsTimer = null;
      void api.loadGroups().catch(() => undefined);
    }, 300);
  }

  async function refresh(): Promise<void> {
    const state = store.getState();
    await Promise.all([api.loadBuilds(), api.loadAgents(), api.loadGroups(), api.loadProjects()]).catch(report);
    if (state.dag.build) await api.openBuild(state.dag.build).catch(report);
  }

  function report(error: unknown): void {
    store.getState().setNotice({ kind: 'error', text: error instanceof Error ? error.message : String(error) });
  }

  const api = {
    request,
    async loadBuilds() {
      store.getState().setBuilds(await request<BuildReport[]>('GET', '/api/builds'));
    },
    async loadProjects() {
      store.getState().setProjects(await request<Project[]>('GET', '/api/projects'));
    },
    async openProject(dir: string) {
      await request('POST', '/api/projects', { dir });
      await api.loadProjects();
    },
    async loadAgents() {
      store.getState().setAgents(await request<AgentRow[]>('GET', '/api/agents'));
    },
    async loadGroups() {
      store.getState().setGroups(await request<ResourceGroupRow[]>('GET', '/api/resource-groups'));
    },
    /** Shows a build's report, then the recent job events that are newer than it (it may predate them). */
    async openBuild(build: string) {
      const report = await request<BuildReport>('GET', `/api/builds/${enc(build)}`);
      store.getState().showBuild(report);
      store.getState().applyJobEvents(newerThanReport(report, recentJobEvents));
    },
    async loadPlan(project: string) {
      store.getState().setPlanState({ project, loading: true, error: null, diagnostics: [] });
      try {
        const plan = await request<{ jobs?: PlanJob[]; diagnostics?: Diagnostic[]; error?: string } | PlanJob[]>('GET', `/api/plan?project=${enc(project)}`);
        // A coordinator may answer a broken spec with 200 and diagnostics instead of an error status.
        if (!Array.isArray(plan) && (plan.error || plan.diagnostics?.length)) {
          const diagnostics = plan.diagnostics ?? [];
          const first = diagnostics[0];
          throw new ApiError(200, plan.error ?? (first ? `${first.file}:${first.line}:${first.col}: ${first.message}` : 'The spec has problems.'), diagnostics);
        }
        store.getState().showPlan(project, Array.isArray(plan) ? plan : plan.jobs ?? []);
      } catch (error) {
        const diagnostics = error instanceof ApiError ? error.diagnostics : [];
        store.getState().setPlanState({ loading: false, error: error instanceof Error ? error.message : String(error), diagnostics });
      }
    },
    async startBuild(project: string, only: string[], noCache = false): Promise<string> {
      const started = await request<{ build: string }>('POST', '/api/builds', { project, only, no_cache: noCache, origin: 'window' });
      await api.loadBuilds();
      return started.build;
    },
    async cancelBuild(build: string) {
      await request('POST', `/api/builds/${enc(build)}/cancel`);
    },
    async retryJob(build: string, job: string) {
      await request('POST', `/api/builds/${enc(build)}/jobs/${enc(job)}/retry`);
    },
    async pairAgent(agent: string, code: string) {
      await request('POST', '/api/agents/pair', { agent, code });
      await api.loadAgents();
    },
    async loadOutputs(build: string, job: string) {
      store.getState().setOutputs({ build, job, files: null, error: null });
      try {
        const files = await request<OutputFile[] | { outputs: OutputFile[] }>('GET', `/api/builds/${enc(build)}/jobs/${enc(job)}/outputs`);
        store.getState().setOutputs({ build, job, files: Array.isArray(files) ? files : files.outputs, error: null });
      } catch (error) {
        store.getState().setOutputs({ build, job, files: [], error: error instanceof Error ? error.message : String(error) });
      }
    },
    /** Opens a job's log: pages from the API until the end, then live events carry on. */
    async openLog(build: string, job: string) {
      store.getState().openLog(build, job);
      const isCurrent = () => store.getState().log.build === build && store.getState().log.job === job;
      try {
        for (;;) {
          const from = store.getState().log.next;
          const page = await request<LogLinePage>('GET', `/api/builds/${enc(build)}/jobs/${enc(job)}/log?from=${from}&limit=${logPageSize}`);
          if (!isCurrent()) return;
          store.getState().appendLogPage(build, job, page);
          if (page.lines.length < logPageSize || page.next <= from) break;
        }
        if (isCurrent()) store.getState().finishLogLoad();
      } catch (error) {
        if (isCurrent()) store.getState().finishLogLoad(error instanceof Error ? error.message : String(error));
      }
    },
    /** The blob URL of an output file, with the token so a plain link downloads it. */
    blobUrl(sha256: string, name: string): string {
      return `${options.origin}/api/blobs/${enc(sha256)}?name=${enc(name)}${options.token ? `&token=${enc(options.token)}` : ''}`;
    },
    report,
  };

  return {
    api,
    start() {
      stopped = false;
      store.getState().setConnection('connecting');
      connect();
    },
    stop() {
      stopped = true;
      if (retryTimer !== null) options.clearTimeout(retryTimer);
      if (groupsTimer !== null) options.clearTimeout(groupsTimer);
      socket?.close();
      socket = null;
    },
  };
}

export type Bridge = ReturnType<typeof createBridge>;
export type BridgeApi = Bridge['api'];
