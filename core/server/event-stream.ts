// Numbers the coordinator's events (one sequence per coordinator), keeps the recent ones for
// clients that reconnect with `?since=SEQ`, and hands them to each subscriber in coalesced batches
// off the publisher's stack: a burst of thousands of job changes becomes a few messages, and a slow
// subscriber never delays the coordinator.
import type { FarmEvent } from '../protocol/types';

export interface EventBatch {
  /** Sequence number of the last event in `events`. */
  seq: number;
  events: FarmEvent[];
  /** Set when events the client asked for are no longer kept: it should reload its snapshot. */
  reset?: true;
}

export interface EventStream {
  /** The sequence number of the newest event so far (0 before any). */
  readonly seq: number;
  /** Takes one event from the coordinator. */
  push(event: FarmEvent): void;
  /** Sends batches to `send`, first the kept events after `since` (when given). Returns unsubscribe. */
  subscribe(send: (batch: EventBatch) => void, since?: number): () => void;
  /** Sends what is pending now instead of at the end of the coalescing window. */
  flush(): void;
  close(): void;
}

interface Subscriber {
  send: (batch: EventBatch) => void;
  /** Last seq this subscriber was sent. */
  sent: number;
}

export interface EventStreamOptions {
  /** How many recent events are kept for replay. */
  keep?: number;
  /** How long events gather before a batch goes out. */
  coalesceMs?: number;
}

/** Creates an event stream; `push` is cheap (no work per subscriber until the batch timer fires). */
export function createEventStream(options: EventStreamOptions = {}): EventStream {
  const keep = options.keep ?? 20_000;
  const coalesceMs = options.coalesceMs ?? 40;
  // Kept events: `kept[i]` has seq `firstSeq + i`.
  let kept: FarmEvent[] = [];
  let firstSeq = 1;
  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const subscribers = new Set<Subscriber>();

  const since = (after: number): FarmEvent[] => kept.slice(Math.max(0, after + 1 - firstSeq));
  const flush = () => {
    timer = undefined;
    for (const subscriber of subscribers) deliver(subscriber);
  };
  const deliver = (subscriber: Subscriber) => {
    const reset = subscriber.sent + 1 < firstSeq;
    if (subscriber.sent >= seq && !reset) return;
    const events = since(subscriber.sent);
    subscriber.sent = seq;
    try {
      subscriber.send(reset ? { seq, events, reset: true } : { seq, events });
    } catch {
      subscribers.delete(subscriber);
    }
  };

  return {
    get seq() {
      return seq;
    },
    push(event) {
      seq++;
      kept.push(event);
      if (kept.length > keep * 1.5) {
        const drop = kept.length - keep;
        kept = kept.slice(drop);
        firstSeq += drop;
      }
      if (!timer && subscribers.size > 0) timer = setTimeout(flush, coalesceMs);
    },
    subscribe(send, after) {
      // A `since` beyond what this coordinator has numbered comes from an earlier coordinator: start over.
      const sent = after === undefined ? seq : after > seq ? firstSeq - 2 : Math.max(0, after);
      const subscriber: Subscriber = { send, sent };
      subscribers.add(subscriber);
      if (subscriber.sent < seq || subscriber.sent + 1 < firstSeq) setTimeout(() => subscribers.has(subscriber) && deliver(subscriber), 0);
      return () => subscribers.delete(subscriber);
    },
    flush() {
      if (timer) clearTimeout(timer);
      flush();
    },
    close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      subscribers.clear();
    },
  };
}
