// The coordinator dials an agent over wss with its own certificate and pins the agent's: the check
// runs in 'secureConnect' of our own TLS socket, so a wrong certificate is dropped before ws even
// sends its HTTP request. (Node never calls checkServerIdentity for a self-signed certificate
// under rejectUnauthorized:false, so that hook would let any impostor in.)
import { isIP } from 'node:net';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { WebSocket } from 'ws';
import { createFramedChannel } from '../protocol/lan-channel';
import { lanDefaults } from '../protocol/lan';
import { fingerprintOfDer, sameFingerprint, type Identity } from '../protocol/lan-identity';
import type { AgentMessage, Channel, CoordinatorMessage } from '../protocol/types';
import { validateAgentMessage } from '../protocol/validate';
import { frameSocketOf, type HeartbeatOptions } from '../protocol/ws-frames';

export type DialFailure =
  /** `code`: the socket's error code; ECONNREFUSED means the machine answered but no agent listens. */
  | { kind: 'unreachable'; message: string; code?: string }
  /** The agent answered with a certificate other than the pinned one. */
  | { kind: 'fingerprint'; message: string }
  /** The agent refused us (HTTP 401/403), with its reason. */
  | { kind: 'refused'; status: number; message: string };

export interface Dialed {
  ws: WebSocket;
  socket: TLSSocket;
  /** The agent's fingerprint as seen in this TLS session. */
  fingerprint: string;
}

export interface DialOptions {
  identity: Identity;
  host: string;
  port: number;
  path: '/ws' | '/pair';
  /** The pinned fingerprint; for `/pair` the advertised one, when known (a hint that must match). */
  fingerprint?: string;
  timeoutMs?: number;
}

/** Opens a pinned WebSocket to an agent, or says why not. */
export function dialAgent(options: DialOptions): Promise<{ dialed: Dialed } | { failure: DialFailure }> {
  const { identity, host, port } = options;
  const where = `${host}:${port}`;
  return new Promise((resolve) => {
    let socket: TLSSocket | undefined;
    let seen: string | undefined;
    let settled = false;
    const settle = (result: { dialed: Dialed } | { failure: DialFailure }) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const url = `wss://${isIP(host) === 6 ? `[${host}]` : host}:${port}${options.path}`;
    const ws = new WebSocket(url, {
      cert: identity.certPem,
      key: identity.keyPem,
      handshakeTimeout: options.timeoutMs ?? 5000,
      perMessageDeflate: false,
      maxPayload: lanDefaults.frameHardLimitBytes,
      createConnection: ((connectOptions: ConnectionOptions) => {
        // No SNI for an IP literal (Node deprecates it, DEP0123).
        socket = connect({ ...connectOptions, rejectUnauthorized: false, minVersion: 'TLSv1.3', servername: isIP(connectOptions.host ?? '') ? '' : connectOptions.servername });
        socket.once('secureConnect', () => {
          const raw = socket!.getPeerCertificate().raw;
          seen = raw ? fingerprintOfDer(raw) : undefined;
          if (!seen || (options.fingerprint && !sameFingerprint(seen, options.fingerprint))) {
            const message = `agent at ${where} presented certificate ${seen?.slice(0, 16) ?? '(none)'}, not the pinned ${options.fingerprint?.slice(0, 16)}: refusing to talk to it`;
            settle({ failure: { kind: 'fingerprint', message } });
            socket!.destroy(Object.assign(new Error(message), { code: 'EFINGERPRINT' }));
          }
        });
        return socket;
      }) as unknown as undefined,
    });
    ws.on('unexpected-response', (_request, response) => {
      const reason = response.headers['x-farmhand-refusal'];
      settle({ failure: { kind: 'refused', status: response.statusCode ?? 0, message: `agent at ${where} refused: ${typeof reason === 'string' ? reason : `HTTP ${response.statusCode}`}` } });
      response.resume();
      ws.terminate();
    });
    ws.on('error', (error: Error & { code?: string }) => {
      settle({ failure: { kind: 'unreachable', message: `cannot reach agent at ${where}: ${error.code ?? error.message}`, code: error.code } });
    });
    ws.once('open', () => {
      if (!socket || !seen) return settle({ failure: { kind: 'unreachable', message: `no TLS session with ${where}` } });
      settle({ dialed: { ws, socket, fingerprint: seen } });
    });
  });
}

/** A job channel to a paired agent, ready for `coordinator.attachAgent`. */
export function agentChannel(dialed: Dialed, log: (line: string) => void, heartbeat?: HeartbeatOptions): Channel<AgentMessage, CoordinatorMessage> {
  return createFramedChannel<AgentMessage, CoordinatorMessage>(frameSocketOf(dialed.ws, heartbeat), { validate: validateAgentMessage, log });
}

/** Dials a paired agent and returns its job channel, or why not. */
export async function connectAgent(
  options: Omit<DialOptions, 'path' | 'fingerprint'> & { fingerprint: string; log: (line: string) => void },
): Promise<{ channel: Channel<AgentMessage, CoordinatorMessage> } | { failure: DialFailure }> {
  const result = await dialAgent({ ...options, path: '/ws' });
  if ('failure' in result) return result;
  return { channel: agentChannel(result.dialed, options.log) };
}
