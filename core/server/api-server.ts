// The coordinator's HTTP API and event WebSocket (loopback by default), and the built web UI at `/`.
// Owns transport concerns only: listening, the token check, JSON in and out, static files, the
// WebSocket upgrade. What each route does is in routes.ts; the coordinator and store come in as
// collaborators, so `farmhand run`, `farmhand serve` and the desktop app share this one server.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { matchRoute, type ApiContext, type ApiReply } from './routes';

export interface ApiServerOptions {
  context: ApiContext;
  token: string;
  host?: string;
  port?: number;
  /** Folder of the built renderer (index.html and its assets). */
  staticDir?: string;
}

export interface ApiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const maxBody = 1 << 20;
const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** Starts listening; resolves once the port is bound. */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  const authorized = (request: IncomingMessage, url: URL) => checkToken(options.token, tokenOf(request, url));
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, { status: 500, body: { error: `internal error: ${error instanceof Error ? error.message : String(error)}` } });
      else response.destroy();
    });
  });
  const webSockets = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith('/api/')) return serveStatic(request, response, url);
    if (!authorized(request, url)) return sendJson(response, { status: 401, body: { error: 'this request needs the token farmhand printed when it started (Authorization: Bearer TOKEN)' } });
    const route = matchRoute(request.method ?? 'GET', url.pathname);
    if (!route) return sendJson(response, { status: 404, body: { error: `no route ${request.method} ${url.pathname}` } });
    let body: unknown;
    if (request.method === 'POST') {
      const parsed = await readJson(request);
      if ('error' in parsed) return sendJson(response, { status: 400, body: { error: parsed.error } });
      body = parsed.value;
    }
    const reply = await route.handler(options.context, { params: route.params, query: url.searchParams, body });
    sendJson(response, reply);
  }

  function serveStatic(request: IncomingMessage, response: ServerResponse, url: URL): void {
    const token = url.searchParams.get('token');
    if (token !== null) {
      if (!checkToken(options.token, token)) return sendJson(response, { status: 401, body: { error: 'wrong token' } });
      // The page then calls the API with the cookie: the token leaves the address bar and history.
      response.writeHead(303, { location: '/', 'set-cookie': `farmhand_token=${token}; HttpOnly; SameSite=Strict; Path=/` });
      return void response.end();
    }
    const root = options.staticDir;
    const relative = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
    let file = root ? join(root, relative) : '';
    if (!root || !file.startsWith(normalize(root + sep)) && file !== normalize(root)) return sendJson(response, { status: 404, body: { error: 'not found' } });
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
    if (!existsSync(file)) {
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      return void response.end('The web UI is not built in this installation (npm run build); the API under /api works.\n');
    }
    response.writeHead(200, { 'content-type': contentTypes[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    createReadStream(file).pipe(response);
  }

  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/api/events' || !authorized(request, url)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\n\r\n');
      return;
    }
    webSockets.handleUpgrade(request, socket, head, (ws) => followEvents(ws, options.context, url));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    async close() {
      // Clients get a clean close after what was sent (a follower must see its build's last event).
      await Promise.all(
        [...webSockets.clients].map(
          (client) =>
            new Promise<void>((resolve) => {
              const timer = setTimeout(() => (client.terminate(), resolve()), 1000);
              client.once('close', () => (clearTimeout(timer), resolve()));
              client.close(1001, 'coordinator stopping');
            }),
        ),
      );
      webSockets.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Streams event batches to one WebSocket client until it goes. */
function followEvents(ws: WebSocket, context: ApiContext, url: URL): void {
  const since = url.searchParams.get('since');
  const after = since !== null && /^\d+$/.test(since) ? Number(since) : undefined;
  const unsubscribe = context.events.subscribe((batch) => {
    // A client that cannot keep up is dropped rather than buffered without end; it reconnects with since.
    if (ws.bufferedAmount > 32 << 20) return ws.terminate();
    ws.send(JSON.stringify(batch));
  }, after);
  ws.send(JSON.stringify({ hello: true, seq: context.events.seq }));
  ws.on('close', unsubscribe);
  ws.on('error', unsubscribe);
  // Clients only listen; whatever they send is ignored.
  ws.on('message', () => {});
}

function tokenOf(request: IncomingMessage, url: URL): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  const cookie = /(?:^|;\s*)farmhand_token=([^;]+)/.exec(request.headers.cookie ?? '');
  if (cookie) return cookie[1];
  return url.searchParams.get('token') ?? undefined;
}

function checkToken(expected: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readJson(request: IncomingMessage): Promise<{ value: unknown } | { error: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBody) return { error: `request body over ${maxBody} bytes` };
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return { value: {} };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return { error: `request body is not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function sendJson(response: ServerResponse, reply: ApiReply): void {
  if (reply.raw) {
    response.writeHead(reply.status, { 'content-type': reply.raw.type, 'content-disposition': reply.raw.disposition ?? 'inline' });
    return void response.end(reply.raw.data);
  }
  response.writeHead(reply.status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(reply.body));
}
