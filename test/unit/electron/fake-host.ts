// A stand-in for the coordinator host on loopback: a real HTTP server answering the few API calls
// the desktop shell makes, and a ws WebSocketServer for /api/events, both checking the Bearer token.
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';

export const token = 'secret-token';

export interface FakeHost {
  url: string;
  sockets: WebSocket[];
  upgrades: { url: string; authorization: string | undefined }[];
  requests: { method: string; url: string; authorization: string | undefined; body: string }[];
  close(): Promise<void>;
}

/** Starts the stand-in host on 127.0.0.1 and a free port. */
export async function startFakeHost(): Promise<FakeHost> {
  const sockets: WebSocket[] = [];
  const upgrades: FakeHost['upgrades'] = [];
  const requests: FakeHost['requests'] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      requests.push({ method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization, body });
      if (request.headers.authorization !== `Bearer ${token}`) {
        response.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'a token is needed' }));
      } else if (request.url === '/api/builds/b-0404/cancel') {
        response.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'no build b-0404' }));
      } else {
        response.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      }
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request: IncomingMessage, socket, head) => {
    upgrades.push({ url: request.url ?? '', authorization: request.headers.authorization });
    if (request.headers.authorization !== `Bearer ${token}`) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => sockets.push(ws));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sockets,
    upgrades,
    requests,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
