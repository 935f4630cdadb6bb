// The event client against a real loopback HTTP server with a ws WebSocketServer standing in for
// the coordinator host: auth header, `since` replay after a dropped connection, and the HTTP calls.
import { afterEach, describe, expect, it } from 'vitest';
import type { FarmEvent } from '../../../core/protocol/types';
import { connectFarm, eventsUrl, parseEventsMessage } from '../../../electron/farm-client';
import type { FarmClient } from '../../../electron/farm-client';
import { buildEvent, jobEvent } from './events';
import { startFakeHost, token } from './fake-host';

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await item.close();
});

async function setUp(clientToken = token) {
  const host = await startFakeHost();
  opened.push(host);
  const received: FarmEvent[][] = [];
  const statuses: string[] = [];
  const client: FarmClient = connectFarm({ url: host.url, token: clientToken, reconnectMs: 20, onEvents: (events) => received.push(events), onStatus: (status) => statuses.push(status) });
  opened.push(client);
  return { host, client, received, statuses };
}

describe('parseEventsMessage', () => {
  it('accepts { seq, events } and drops malformed events', () => {
    const message = JSON.stringify({ seq: 7, events: [buildEvent('b-0001', 'running', 1), { type: 'mystery', at: 1 }, { type: 'job' }, null] });
    expect(parseEventsMessage(message)).toEqual({ seq: 7, events: [buildEvent('b-0001', 'running', 1)], reset: false });
  });

  it('reads the hello message and the reset mark', () => {
    expect(parseEventsMessage('{"hello": true, "seq": 12}')).toEqual({ hello: true, seq: 12 });
    expect(parseEventsMessage('{"seq": 2, "events": [], "reset": true}')).toEqual({ seq: 2, events: [], reset: true });
  });

  it('refuses what is not an events message, in words', () => {
    expect(parseEventsMessage('{')).toEqual({ error: 'event message is not JSON' });
    expect(parseEventsMessage('null')).toEqual({ error: 'event message is not an object' });
    expect(parseEventsMessage('{"seq": -1, "events": []}')).toEqual({ error: 'event message has no valid seq' });
    expect(parseEventsMessage('{"seq": 1}')).toEqual({ error: 'event message has no events list' });
  });
});

describe('eventsUrl', () => {
  it('turns the host URL into the WebSocket URL, with since after the first events', () => {
    expect(eventsUrl('http://127.0.0.1:4000', 0)).toBe('ws://127.0.0.1:4000/api/events');
    expect(eventsUrl('http://127.0.0.1:4000/', 42)).toBe('ws://127.0.0.1:4000/api/events?since=42');
    expect(eventsUrl('https://farm.local:4000', 3)).toBe('wss://farm.local:4000/api/events?since=3');
  });
});

describe('connectFarm', () => {
  it('receives events with the Bearer token', async () => {
    const { host, client, received, statuses } = await setUp();
    await until(() => host.sockets.length === 1);
    expect(host.upgrades[0]).toEqual({ url: '/api/events', authorization: `Bearer ${token}` });
    host.sockets[0]?.send(JSON.stringify({ seq: 3, events: [buildEvent('b-0001', 'running', 1), jobEvent('b-0001', 'p/a', 'running', 2)] }));
    await until(() => received.length === 1);
    expect(received[0]).toHaveLength(2);
    expect(client.seq).toBe(3);
    expect(statuses).toEqual(['connected']);
  });

  it('reconnects after the connection drops and asks for what it missed', async () => {
    const { host, received, statuses } = await setUp();
    await until(() => host.sockets.length === 1);
    host.sockets[0]?.send(JSON.stringify({ seq: 5, events: [buildEvent('b-0001', 'running', 1)] }));
    await until(() => received.length === 1);
    host.sockets[0]?.terminate();
    await until(() => host.sockets.length === 2);
    expect(host.upgrades[1]?.url).toBe('/api/events?since=5');
    // A replay that overlaps what was seen is skipped; newer events arrive.
    host.sockets[1]?.send(JSON.stringify({ seq: 4, events: [buildEvent('b-0001', 'running', 1)] }));
    host.sockets[1]?.send(JSON.stringify({ seq: 6, events: [buildEvent('b-0001', 'success', 2)] }));
    await until(() => received.length === 2);
    expect(received[1]).toEqual([buildEvent('b-0001', 'success', 2)]);
    expect(statuses).toEqual(['connected', 'disconnected', 'connected']);
  });

  it('starts from the hello seq, and follows a coordinator that started over', async () => {
    const { host, client, received } = await setUp();
    await until(() => host.sockets.length === 1);
    host.sockets[0]?.send(JSON.stringify({ hello: true, seq: 40 }));
    await until(() => client.seq === 40);
    host.sockets[0]?.terminate();
    await until(() => host.sockets.length === 2);
    expect(host.upgrades[1]?.url).toBe('/api/events?since=40');
    // The new coordinator numbers from 1 again: without reset an older seq would be skipped.
    host.sockets[1]?.send(JSON.stringify({ hello: true, seq: 3 }));
    host.sockets[1]?.send(JSON.stringify({ seq: 3, events: [buildEvent('b-0001', 'queued', 1)], reset: true }));
    await until(() => received.length === 1);
    expect(client.seq).toBe(3);
  });

  it('ignores a malformed message and keeps the connection', async () => {
    const { host, received } = await setUp();
    await until(() => host.sockets.length === 1);
    host.sockets[0]?.send('not json');
    host.sockets[0]?.send(JSON.stringify({ seq: 1, events: [buildEvent('b-0002', 'queued', 1)] }));
    await until(() => received.length === 1);
    expect(host.sockets).toHaveLength(1);
  });

  it('keeps trying while the host refuses the token, and says so', async () => {
    const { host, statuses } = await setUp('wrong');
    await until(() => host.upgrades.length >= 2);
    expect(statuses.every((status) => status === 'disconnected')).toBe(true);
  });

  it('cancels a build and opens a project over HTTP', async () => {
    const { host, client } = await setUp();
    await client.cancelBuild('b-0001');
    await client.openProject('/home/ada/src/app');
    expect(host.requests).toEqual([
      { method: 'POST', url: '/api/builds/b-0001/cancel', authorization: `Bearer ${token}`, body: '' },
      { method: 'POST', url: '/api/projects', authorization: `Bearer ${token}`, body: JSON.stringify({ dir: '/home/ada/src/app' }) },
    ]);
  });

  it('rejects with the host error sentence', async () => {
    const { client } = await setUp();
    await expect(client.cancelBuild('b-0404')).rejects.toThrow('no build b-0404');
  });

  it('close() stops reconnecting', async () => {
    const { host, client } = await setUp();
    await until(() => host.sockets.length === 1);
    await client.close();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(host.upgrades).toHaveLength(1);
  });
});
