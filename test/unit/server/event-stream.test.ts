// The event stream: sequence numbers, coalescing, replay from `since`, and a reset when the
// asked-for events are gone.
import { afterEach, describe, expect, it } from 'vitest';
import type { FarmEvent } from '../../../core/protocol/types';
import { createEventStream, type EventBatch, type EventStream } from '../../../core/server/event-stream';

const event = (n: number): FarmEvent => ({ type: 'build', build: `b-${n}`, state: 'running', at: n });
const settle = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));
let stream: EventStream;
afterEach(() => stream.close());

describe('event stream', () => {
  it('numbers events and coalesces a burst into one batch', async () => {
    stream = createEventStream({ coalesceMs: 10 });
    const batches: EventBatch[] = [];
    stream.subscribe((batch) => batches.push(batch));
    for (let n = 1; n <= 1000; n++) stream.push(event(n));
    expect(batches).toHaveLength(0);
    await settle();
    expect(batches).toHaveLength(1);
    expect(batches[0]!.seq).toBe(1000);
    expect(batches[0]!.events.map((e) => (e as { at: number }).at)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  });

  it('replays what a reconnecting client missed, from since', async () => {
    stream = createEventStream({ coalesceMs: 5 });
    for (let n = 1; n <= 5; n++) stream.push(event(n));
    const batches: EventBatch[] = [];
    stream.subscribe((batch) => batches.push(batch), 3);
    await settle();
    expect(batches).toEqual([{ seq: 5, events: [event(4), event(5)] }]);
    stream.push(event(6));
    await settle();
    expect(batches[1]).toEqual({ seq: 6, events: [event(6)] });
  });

  it('tells a client to reload when its since is older than what is kept, or from another coordinator', async () => {
    stream = createEventStream({ coalesceMs: 5, keep: 10 });
    for (let n = 1; n <= 40; n++) stream.push(event(n));
    const old: EventBatch[] = [];
    stream.subscribe((batch) => old.push(batch), 2);
    const future: EventBatch[] = [];
    stream.subscribe((batch) => future.push(batch), 999);
    await settle();
    expect(old[0]!.reset).toBe(true);
    expect(old[0]!.seq).toBe(40);
    expect(old[0]!.events.at(-1)).toEqual(event(40));
    expect(future[0]!.reset).toBe(true);
  });

  it('a throwing subscriber is dropped and never delays the others', async () => {
    stream = createEventStream({ coalesceMs: 5 });
    const good: EventBatch[] = [];
    let calls = 0;
    stream.subscribe(() => {
      calls++;
      throw new Error('slow view');
    });
    stream.subscribe((batch) => good.push(batch));
    stream.push(event(1));
    await settle();
    stream.push(event(2));
    await settle();
    expect(calls).toBe(1);
    expect(good.map((batch) => batch.seq)).toEqual([1, 2]);
  });
});
