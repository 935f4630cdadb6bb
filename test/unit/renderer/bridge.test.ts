// The bridge with a fake WebSocket, a fake fetch and a manual clock: events reach the store, a dropped
// socket shows "reconnecting" and replays from the last sequence number, a refused token is reported.
import { describe, expect, it } from 'vitest';
import { createBridge, findToken, newerThanReport, reconnectDelay, type SocketLike } from '../../../renderer/state/bridge';
import { createFarmStore } from '../../../renderer/state/store';

class FakeSocket implements SocketLike {
  onopen: (() => void) | null = null;
  onmessage: ((message: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {}
  close() {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.();
  }
  send(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

function setup(answers: Record<string, { status: number; body: unknown }> = {}) {
  const store = createFarmStore();
  const sockets: FakeSocket[] = [];
  const requests: { url: string; method: string; authorization?: string; body?: string }[] = [];
  const timers: { run: () => void; ms: number }[] = [];
  let now = 1000;
  const bridge = createBridge({
    store,
    origin: 'http://127.0.0.1:9',
    token: 'sesame',
    async fetch(url, init) {
      const entry: { url: string; method: string; authorization?: string; body?: string } = { url, method: init.method };
      if (init.headers.authorization) entry.authorization = init.headers.authorization;
      if (init.body) entry.body = init.body;
      requests.push(entry);
      const path = url.replace('http://127.0.0.1:9', '');
      const answer = answers[`${init.method} ${path}`] ?? answers[path] ?? { status: 200, body: [] };
      return { status: answer.status, ok: answer.status < 300, json: async () => answer.body };
    },
    openSocket(url) {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    setTimeout(run, ms) {
      timers.push({ run, ms });
      return timers.length;
    },
    clearTimeout() {},
    now: () => now,
  });
  return { store, bridge, sockets, requests, timers, advance: (ms: number) => (now += ms) };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('bridge', () => {
  it('applies event messages, sends the token, and skips messages it already applied', async () => {
    const { store, bridge, sockets, requests } = setup({ '/api/builds': { status: 200, body: [{ build: 'b-0001', status: 'running' }] } });
    bridge.start();
    expect(store.getState().connection).toBe('connecting');
    expect(sockets[0]!.url).toBe('ws://127.0.0.1:9/api/events?since=0&token=sesame');
    sockets[0]!.onopen!();
    await flush();
    expect(store.getState().connection).toBe('open');
    expect(store.getState().buildOrder).toEqual(['b-0001']);
    expect(requests.every((request) => request.authorization === 'Bearer sesame')).toBe(true);
    sockets[0]!.send({ seq: 5, events: [{ type: 'build', build: 'b-0001', state: 'success', at: 9 }] });
    sockets[0]!.send({ seq: 5, events: [{ type: 'build', build: 'b-0001', state: 'failed', at: 9 }] });
    sockets[0]!.onmessage!({ data: 'not json' });
    sockets[0]!.send({ seq: 'x', events: 'nope' });
    expect(store.getState().builds['b-0001']!.status).toBe('success');
    expect(store.getState().lastSeq).toBe(5);
    bridge.stop();
  });

  it('shows reconnecting with backoff after a drop and replays from the last sequence number', async () => {
    const { store, bridge, sockets, timers } = setup();
    bridge.start();
    sockets[0]!.onopen!();
    sockets[0]!.send({ seq: 41, events: [] });
    sockets[0]!.close();
    await flush();
    expect(store.getState().connection).toBe('reconnecting');
    expect(store.getState().reconnectAt).toBe(1000 + reconnectDelay(0));
    timers.at(-1)!.run();
    expect(sockets[1]!.url).toContain('since=41');
    sockets[1]!.close(); // refused again: the delay grows
    await flush();
    expect(timers.at(-1)!.ms).toBe(reconnectDelay(1));
    expect(reconnectDelay(1)).toBeGreaterThan(reconnectDelay(0));
    expect(reconnectDelay(50)).toBe(5000);
    timers.at(-1)!.run();
    sockets[2]!.onopen!();
    expect(store.getState().connection).toBe('open');
    bridge.stop();
  });

  it('reports a refused token as unauthorized instead of reconnecting forever', async () => {
    const { store, bridge, sockets, timers } = setup({ '/api/builds': { status: 401, body: { error: 'unauthorized' } } });
    bridge.start();
    sockets[0]!.close();
    await flush();
    expect(store.getState().connection).toBe('unauthorized');
    expect(timers).toHaveLength(0);
    await expect(bridge.api.loadBuilds()).rejects.toThrow(/refused the token/);
    bridge.stop();
  });

  it('starts, cancels and retries with the contract paths and bodies, and keeps spec errors as data', async () => {
    const { store, bridge, requests } = setup({
      'POST /api/builds': { status: 201, body: { build: 'b-0007' } },
      '/api/plan?project=p1': { status: 400, body: { error: 'farmhand.yml:3:5: unknown key `neds`', diagnostics: [{ file: 'farmhand.yml', line: 3, col: 5, message: 'unknown key `neds`' }] } },
    });
    expect(await bridge.api.startBuild('p1', ['build'])).toBe('b-0007');
    expect(JSON.parse(requests[0]!.body!)).toEqual({ project: 'p1', only: ['build'], no_cache: false, origin: 'window' });
    await bridge.api.cancelBuild('b-0007');
    await bridge.api.retryJob('b-0007', 'build/compile[cc=gcc]');
    expect(requests.map((request) => `${request.method} ${request.url.replace('http://127.0.0.1:9', '')}`)).toEqual([
      'POST /api/builds', 'GET /api/builds', 'POST /api/builds/b-0007/cancel', 'POST /api/builds/b-0007/jobs/build%2Fcompile%5Bcc%3Dgcc%5D/retry']);
    await bridge.api.loadPlan('p1');
    expect(store.getState().plan).toMatchObject({ loading: false, error: 'farmhand.yml:3:5: unknown key `neds`' });
    expect(store.getState().plan.diagnostics[0]).toMatchObject({ line: 3, col: 5 });
  });

  it('pages a log from the API until a short page', async () => {
    const page = (from: number, count: number) => ({ status: 200, body: { lines: Array.from({ length: count }, (_, i) => ({ seq: from + i + 1, stream: 'stdout', text: `line ${from + i}`, at: 1 })), next: from + count } });
    const { store, bridge } = setup({
      '/api/builds/b-1/jobs/a%2Fb/log?from=0&limit=5000': page(0, 5000),
      '/api/builds/b-1/jobs/a%2Fb/log?from=5000&limit=5000': page(5000, 3),
    });
    await bridge.api.openLog('b-1', 'a/b');
    const log = store.getState().log;
    expect(log.lines).toHaveLength(5003);
    expect(log.lines[5002]!.text).toBe('line 5002');
    expect(log.loading).toBe(false);
  });

  it('replays job events that arrived while a build report was being fetched', async () => {
    const store = createFarmStore();
    let answer: (value: { status: number; ok: boolean; json(): Promise<unknown> }) => void = () => undefined;
    const socket = new FakeSocket('ws://x');
    const bridge = createBridge({
      store, origin: 'http://127.0.0.1:9', token: null,
      fetch: (url) => (url.endsWith('/api/builds/b-1') ? new Promise((resolve) => (answer = resolve)) : Promise.resolve({ status: 200, ok: true, json: async () => [] })),
      openSocket: () => socket,
      setTimeout: () => 0, clearTimeout() {}, now: () => 0,
    });
    bridge.start();
    socket.onopen!();
    const opening = bridge.api.openBuild('b-1');
    await flush();
    socket.send({ seq: 100, events: [{ type: 'job', build: 'b-1', job: 'p/a', state: 'success', at: 5 }] });
    answer({ status: 200, ok: true, json: async () => ({ build: 'b-1', status: 'running', jobs: [{ id: 'p/a', pipeline: 'p', name: 'a', status: 'running', needs: [] }] }) });
    await opening;
    expect(store.getState().dag.jobs['p/a']!.state).toBe('success');
    bridge.stop();
  });

  it('brings a report up to date only with events at or after what it records, so nothing goes back in time', () => {
    const report = { build: 'b-1', status: 'running' as const, jobs: [
      { id: 'p/a', pipeline: 'p', name: 'a', status: 'success' as const, started_at: 10, finished_at: 20 },
      { id: 'p/b', pipeline: 'p', name: 'b', status: 'queued' as const, queued_at: 15 },
    ] };
    const events = [
      { type: 'job' as const, build: 'b-1', job: 'p/a', state: 'running' as const, at: 10 - 1 },
      { type: 'job' as const, build: 'b-1', job: 'p/b', state: 'running' as const, at: 21 },
      { type: 'job' as const, build: 'b-2', job: 'p/b', state: 'failed' as const, at: 30 },
      { type: 'job' as const, build: 'b-1', job: 'p/new', state: 'queued' as const, at: 1 },
    ];
    expect(newerThanReport(report, events).map((event) => `${event.job} ${event.state}`)).toEqual(['p/b running', 'p/new queued']);
  });

  it('reloads its snapshots when the coordinator says the missed events are gone (reset)', async () => {
    const { store, bridge, sockets, requests } = setup({ '/api/builds': { status: 200, body: [{ build: 'b-0009', status: 'success' }] } });
    bridge.start();
    sockets[0]!.onopen!();
    await flush();
    const before = requests.filter((request) => request.url.endsWith('/api/builds')).length;
    sockets[0]!.send({ seq: 900, events: [], reset: true });
    await flush();
    expect(requests.filter((request) => request.url.endsWith('/api/builds')).length).toBe(before + 1);
    expect(store.getState().lastSeq).toBe(900);
    bridge.stop();
  });

  it('finds the token in the page URL first, then in the cookie', () => {
    expect(findToken('?token=abc', 'farmhand_token=zzz')).toBe('abc');
    expect(findToken('', 'theme=dark; farmhand_token=z%20z')).toBe('z z');
    expect(findToken('?x=1', '')).toBeNull();
  });
});
