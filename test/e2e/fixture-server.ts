// A stand-in coordinator for developing the window and for bench:ui's synthetic cases: it serves
// dist/renderer and canned API answers, checks the token like `farmhand serve`, and has an event
// WebSocket that sends scripted FarmEvents with sequence numbers (and replays ?since=SEQ).
// The e2e tests the issue lists run against the real `farmhand serve`, not this.
import { readFileSync, existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { FarmEvent } from '../../core/protocol/types';

export interface FixtureState {
  projects: unknown[];
  builds: { build: string; [key: string]: unknown }[];
  /** Answer of GET /api/plan. */
  plan: { status: number; body: unknown };
  agents: unknown[];
  groups: unknown[];
  /** Lines of a job's log after seq `from` (seqs start at 1), generated on demand so a 1,000,000-line log costs nothing until asked for. */
  log(build: string, job: string, from: number, limit: number): { seq: number; stream: 'stdout' | 'stderr'; text: string; at: number }[];
  outputs: Record<string, unknown[]>;
}

export interface FixtureServer {
  url: string;
  token: string;
  requests: { method: string; path: string; body: string }[];
  /** Sends one coalesced message of events to every connected window; returns its sequence number. */
  push(events: FarmEvent[]): number;
  /** Drops every event socket (the window should show "reconnecting"). */
  dropSockets(): void;
  close(): Promise<void>;
}

const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

/** Starts the fixture on 127.0.0.1 and a free port. */
export async function startFixtureServer(state: FixtureState, options: { staticDir?: string; token?: string } = {}): Promise<FixtureServer> {
  const staticDir = options.staticDir ?? 'dist/renderer';
  const token = options.token ?? 'fixture-token';
  const requests: FixtureServer['requests'] = [];
  const history: { seq: number; text: string }[] = [];
  let seq = 0;
  let builds = 1;

  const authorized = (request: IncomingMessage, url: URL) =>
    request.headers.authorization === `Bearer ${token}` || (request.headers.cookie ?? '').includes(`farmhand_token=${token}`) || url.searchParams.get('token') === token;

  const send = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://fixture');
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (!url.pathname.startsWith('/api/')) return serveStatic(url, response);
      requests.push({ method: request.method ?? 'GET', path: url.pathname + url.search, body });
      if (!authorized(request, url)) return send(response, 401, { error: 'This request needs the token that `farmhand serve` printed.' });
      route(request.method ?? 'GET', url, body, response);
    });
  });

  function serveStatic(url: URL, response: ServerResponse) {
    const headers: Record<string, string> = {};
    const fromUrl = url.searchParams.get('token');
    if (url.pathname === '/' && fromUrl) headers['set-cookie'] = `farmhand_token=${fromUrl}; Path=/; SameSite=Strict`;
    const file = normalize(join(staticDir, url.pathname === '/' ? 'index.html' : url.pathname));
    if (!file.startsWith(normalize(staticDir)) || !existsSync(file)) return send(response, 404, { error: 'not found' });
    response.writeHead(200, { ...headers, 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    response.end(readFileSync(file));
  }

  function route(method: string, url: URL, body: string, response: ServerResponse) {
    const path = url.pathname;
    const job = /^\/api\/builds\/([^/]+)\/jobs\/([^/]+)\/(log|outputs|retry)$/.exec(path);
    if (method === 'GET' && path === '/api/projects') return send(response, 200, state.projects);
    if (method === 'GET' && path === '/api/plan') return send(response, state.plan.status, state.plan.body);
    if (method === 'GET' && path === '/api/builds') return send(response, 200, state.builds.map(({ jobs: _jobs, ...summary }) => summary));
    if (method === 'POST' && path === '/api/builds') return send(response, 201, { build: `b-9${String(builds++).padStart(3, '0')}` });
    if (method === 'GET' && path === '/api/agents') return send(response, 200, state.agents);
    if (method === 'POST' && path === '/api/agents/pair') {
      const { code } = JSON.parse(body || '{}') as { code?: string };
      return code === '123-456' ? send(response, 200, {}) : send(response, 400, { error: 'The pairing code is wrong: check the code the agent printed.' });
    }
    if (method === 'GET' && path === '/api/resource-groups') return send(response, 200, state.groups);
    if (job && job[3] === 'log') {
      const from = Number(url.searchParams.get('from') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 1000);
      const lines = state.log(decodeURIComponent(job[1]!), decodeURIComponent(job[2]!), from, limit);
      return send(response, 200, { lines, next: lines.length ? lines[lines.length - 1]!.seq : from });
    }
    if (job && job[3] === 'outputs') return send(response, 200, state.outputs[decodeURIComponent(job[2]!)] ?? []);
    if (method === 'POST' && (job?.[3] === 'retry' || /\/cancel$/.test(path))) return send(response, 200, {});
    const build = /^\/api\/builds\/([^/]+)$/.exec(path);
    const found = build && state.builds.find((entry) => entry.build === decodeURIComponent(build[1]!));
    if (found) return send(response, 200, found);
    send(response, 404, { error: `No route ${method} ${path}.` });
  }

  const sockets = new WebSocketServer({ noServer: true });
  const clients = new Set<WebSocket>();
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://fixture');
    if (url.pathname !== '/api/events' || !authorized(request, url)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (client) => {
      clients.add(client);
      client.on('close', () => clients.delete(client));
      const since = Number(url.searchParams.get('since') ?? 0);
      for (const message of history) if (message.seq > since) client.send(message.text);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    requests,
    push(events) {
      seq++;
      const text = JSON.stringify({ seq, events });
      history.push({ seq, text });
      for (const client of clients) client.send(text);
      return seq;
    },
    dropSockets() {
      for (const client of clients) client.terminate();
    },
    async close() {
      for (const client of clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
