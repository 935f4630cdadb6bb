import { describe, expect, it } from 'vitest';
import { dnsLabel } from '../../../agent/lan/advertiser';
import { createPairingGate } from '../../../agent/pairing/pairing-gate';
import { findAgent, listAgents } from '../../../core/lan/agent-list';
import type { DiscoveredAgent } from '../../../core/lan/discovery';
import { createFramedChannel, type FrameSocket } from '../../../core/protocol/lan-channel';
import { advertisementTxt, parseHostPort, readAdvertisement, type Advertisement } from '../../../core/protocol/lan';
import type { AgentMessage, CoordinatorMessage } from '../../../core/protocol/types';
import { validateCoordinatorMessage } from '../../../core/protocol/validate';

const fp = (char: string) => char.repeat(64);
const ad = (over: Partial<Advertisement> = {}): Advertisement => ({ id: 'a1', name: 'alpha', version: '0.1.0', protocol: 1, pools: ['linux'], labels: ['gpu'], slots: 2, busy: 1, fingerprint: fp('a'), ...over });
const heard = (over: Partial<Advertisement>, address = '10.0.0.2'): DiscoveredAgent => ({ instance: `${over.name ?? 'alpha'}._farmhand._tcp.local`, advertisement: ad(over), address, port: 4747, lastSeen: 5 });

describe('advertisements', () => {
  it('round-trip through a TXT record, and a malformed one says what is wrong', () => {
    expect(readAdvertisement(advertisementTxt(ad()))).toEqual({ advertisement: ad() });
    expect(readAdvertisement({ ...advertisementTxt(ad()), fingerprint: 'short' })).toEqual({ error: 'TXT fingerprint is missing or malformed' });
    expect(readAdvertisement({ ...advertisementTxt(ad()), id: '../x y' })).toEqual({ error: 'TXT id is missing or malformed' });
    expect(readAdvertisement({ ...advertisementTxt(ad()), slots: 'many' })).toEqual({ error: 'TXT protocol or slots is missing' });
    expect(readAdvertisement(null)).toEqual({ error: 'no TXT record' });
    const long = readAdvertisement({ ...advertisementTxt(ad()), name: 'n'.repeat(500), pools: Array.from({ length: 100 }, (_, i) => `p${i}`).join(',') });
    expect('advertisement' in long && [long.advertisement.name.length, long.advertisement.pools.length]).toEqual([64, 32]);
  });

  it('parses HOST:PORT', () => {
    expect(parseHostPort('10.0.0.2:4747')).toEqual({ host: '10.0.0.2', port: 4747 });
    expect(parseHostPort('box.local:1')).toEqual({ host: 'box.local', port: 1 });
    expect(parseHostPort('[fe80::1]:4747')).toEqual({ host: 'fe80::1', port: 4747 });
    expect(parseHostPort('alpha')).toBeUndefined();
    expect(parseHostPort('alpha:99999')).toBeUndefined();
  });
});

describe('advertised names', () => {
  it('become DNS labels', () => {
    expect(dnsLabel('Build Box #2 (GPU)')).toBe('build-box-2-gpu');
    expect(dnsLabel('***')).toBe('agent');
  });
});

describe('the agent list', () => {
  const paired = [{ id: 'a1', name: 'alpha', fingerprint: fp('a'), address: '10.0.0.2', port: 4747, pairedAt: 1 }];

  it('takes a paired agent only from the advertisement with its pinned fingerprint, and warns about the other', () => {
    const [entry, ...rest] = listAgents([heard({ fingerprint: fp('e') }, '10.0.0.9'), heard({})], paired);
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ id: 'a1', fingerprint: fp('a'), address: '10.0.0.2', paired: true, online: true, busy: 1 });
    expect(entry!.warning).toBe(`10.0.0.9:4747 advertises this agent's id with another certificate (${'e'.repeat(16)}); refused`);
  });

  it('shows a paired agent that is not heard as offline at its last address, spoof or not', () => {
    expect(listAgents([], paired)).toEqual([{ id: 'a1', name: 'alpha', address: '10.0.0.2', port: 4747, pools: [], labels: [], slots: null, busy: null, fingerprint: fp('a'), paired: true, online: false, last_seen: null, warning: null }]);
    expect(listAgents([heard({ fingerprint: fp('e') })], paired)[0]).toMatchObject({ online: false, fingerprint: fp('a'), warning: expect.stringContaining('refused') });
  });

  it('warns when unpaired advertisements disagree about one id, and finds agents by id or unique name', () => {
    const listings = listAgents([heard({ id: 'b1', name: 'beta', fingerprint: fp('b') }), heard({ id: 'b1', name: 'beta', fingerprint: fp('c') }), heard({ id: 'c1', name: 'gamma' })], []);
    expect(listings.map((agent) => [agent.id, agent.warning !== null])).toEqual([['b1', true], ['c1', false]]);
    expect(findAgent(listings, 'gamma')).toMatchObject({ agent: { id: 'c1' } });
    expect(findAgent(listings, 'b1')).toMatchObject({ agent: { id: 'b1' } });
    expect(findAgent(listings, 'nobody')).toEqual({ error: expect.stringContaining('no agent named nobody') });
  });
});

describe('the pairing gate', () => {
  it('expires the code after 15 minutes', () => {
    let now = 0;
    const gate = createPairingGate({ enabled: true, now: () => now, code: '7K3D-QX9M' });
    expect(gate.begin()).toBeUndefined();
    gate.end('aborted');
    now = 15 * 60_000 + 1;
    expect(gate.begin()).toBe('the pairing code expired (15 minutes); restart the agent for a new code');
  });

  it('allows one attempt at a time, locks after 5 wrong codes, and a used code is gone', () => {
    const gate = createPairingGate({ enabled: true, now: () => 0, code: '7K3D-QX9M' });
    expect(gate.begin()).toBeUndefined();
    expect(gate.code()).toBe('7K3DQX9M');
    expect(gate.begin()).toMatch(/in progress/);
    for (let left = 4; left >= 0; left--) {
      expect(gate.end('wrong-code')).toBe(left);
      if (left > 0) expect(gate.begin()).toBeUndefined();
    }
    expect(gate.begin()).toBe('pairing is locked after 5 wrong codes; restart the agent for a new code');
    const other = createPairingGate({ enabled: true, now: () => 0 });
    expect(other.begin()).toBeUndefined();
    other.end('paired');
    expect(other.begin()).toMatch(/already used/);
    expect(createPairingGate({ enabled: false, now: () => 0 }).begin()).toMatch(/--no-pairing/);
  });
});

describe('the framed channel', () => {
  function fakeSocket() {
    const sent: string[] = [];
    let onFrame: (text: string, bytes: number) => void = () => {};
    const socket: FrameSocket = { send: (text) => sent.push(text), onFrame: (handler) => (onFrame = handler), onClose: () => {}, close: () => {} };
    return { socket, sent, receive: (text: string) => onFrame(text, Buffer.byteLength(text)) };
  }

  it('delivers valid messages, answers bad ones with an error, and never answers an error', () => {
    const { socket, sent, receive } = fakeSocket();
    const logged: string[] = [];
    const channel = createFramedChannel<CoordinatorMessage, AgentMessage>(socket, { validate: validateCoordinatorMessage, log: (line) => logged.push(line), limit: 100 });
    const delivered: CoordinatorMessage[] = [];
    channel.onMessage((message) => delivered.push(message));
    receive('{"type":"cancel","attempt":"a","reason":"canceled"}');
    receive('{oops');
    receive(JSON.stringify({ type: 'cancel', attempt: 'x'.repeat(200) }));
    receive('{"type":"error","error":"you sent junk"}');
    expect(delivered).toEqual([{ type: 'cancel', attempt: 'a', reason: 'canceled' }]);
    expect(sent.map((text) => JSON.parse(text).error)).toEqual([expect.stringMatching(/^message is not JSON/), expect.stringMatching(/^message of 2\d\d bytes is over the 100-byte limit$/)]);
    expect(logged).toEqual([expect.stringMatching(/^refused a message: message is not JSON/), expect.stringMatching(/^refused a message: message of 2\d\d bytes/), 'the peer refused a message: you sent junk']);
    channel.send({ type: 'log', attempt: 'a', seq: 1, stream: 'stdout', data: 'y'.repeat(200) });
    expect(sent).toHaveLength(2);
    expect(logged[3]).toMatch(/did not send a log message of \d+ bytes/);
  });
});
