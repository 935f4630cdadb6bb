// The agent's TLS listener: HTTPS that only upgrades to WebSocket. Mutual TLS; the client's
// certificate is checked in the 'upgrade' handler, after the handshake and before any message is
// read: no certificate -> 401; `/ws` only for a trusted (paired) fingerprint; `/pair` only while the
// pairing gate is open. Refused clients never get a WebSocket (ws advises this over verifyClient).
import { createServer, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import { lanDefaults } from '../../core/protocol/lan';
import { fingerprintOfDer, type Identity } from '../../core/protocol/lan-identity';

export interface AgentServerOptions {
  identity: Identity;
  host: string;
  port: number;
  isTrusted(fingerprint: string): boolean;
  /** Why pairing is refused now, or undefined to let it start (and take the gate). */
  beginPairing(): string | undefined;
  /** The pairing that began never became a WebSocket (a bad upgrade request): free the gate. */
  abandonPairing(): void;
  onSession(ws: WebSocket, peerFingerprint: string): void;
  onPairing(ws: WebSocket, peerFingerprint: string, channelBinding: Uint8Array): void;
  log(line: string): void;
}

export interface AgentServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Keying material both ends derive from one TLS session: pairing binds to it. */
export const pairingExporterLabel = 'EXPORTER-farmhand-pair';

function refuse(socket: Duplex, status: 401 | 403 | 404, reason: string): void {
  const text = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[status];
  // The reason goes in a header, so `farmhand pair` can say why (e.g. locked after 5 wrong codes).
  socket.end(`HTTP/1.1 ${status} ${text}\r\nX-Farmhand-Refusal: ${reason.replace(/[\r\n]/g, ' ')}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Starts listening; resolves once bound. */
export function startAgentServer(options: AgentServerOptions): Promise<AgentServer> {
  const { identity, log } = options;
  const server: Server = createServer({ cert: identity.certPem, key: identity.keyPem, requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.3' });
  const wss = new WebSocketServer({ noServer: true, maxPayload: lanDefaults.frameHardLimitBytes, perMessageDeflate: false });
  server.on('request', (_request, response) => response.writeHead(426, { 'Content-Type': 'text/plain' }).end('farmhand agent: WebSocket only\n'));
  server.on('tlsClientError', (error) => log(`TLS handshake failed: ${error.message}`));
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const tls = socket as TLSSocket;
    socket.on('error', () => {});
    const certificate = tls.getPeerCertificate();
    // Without a client certificate Node gives `{}`, not null.
    const fingerprint = certificate && certificate.raw ? fingerprintOfDer(certificate.raw) : undefined;
    const from = `${tls.remoteAddress ?? '?'}`;
    if (!fingerprint) {
      log(`refused a connection from ${from}: no client certificate`);
      return refuse(socket, 401, 'a client certificate is required');
    }
    if (request.url === '/ws') {
      if (!options.isTrusted(fingerprint)) {
        log(`refused a connection from ${from}: certificate ${fingerprint.slice(0, 16)} is not paired with this agent`);
        return refuse(socket, 403, 'not paired with this agent; run farmhand pair with the code it printed');
      }
      return wss.handleUpgrade(request, socket, head, (ws) => options.onSession(ws, fingerprint));
    }
    if (request.url === '/pair') {
      const refusal = options.beginPairing();
      if (refusal) {
        log(`refused pairing from ${from}: ${refusal}`);
        return refuse(socket, 403, refusal);
      }
      const binding = new Uint8Array(tls.exportKeyingMaterial(32, pairingExporterLabel, Buffer.alloc(0)));
      let upgraded = false;
      socket.once('close', () => upgraded || options.abandonPairing());
      return wss.handleUpgrade(request, socket, head, (ws) => {
        upgraded = true;
        options.onPairing(ws, fingerprint, binding);
      });
    }
    return refuse(socket, 404, 'unknown path');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      server.on('error', (error) => log(`listener error: ${error.message}`));
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      resolve({
        host: options.host,
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const client of wss.clients) client.close(1001, 'agent shutting down');
            wss.close();
            server.close(() => done());
            // Give clients a moment to take the 1001, then cut what is left.
            setTimeout(() => {
              for (const client of wss.clients) client.terminate();
              server.closeAllConnections();
            }, 500).unref();
          }),
      });
    });
  });
}
