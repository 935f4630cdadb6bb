// The event outbox: events wait here until the store has committed what they report, then go out
// to the event bus together. Gathered for a few milliseconds, so one commit covers many changes.
import type { FarmEvent } from '../protocol/types';
import type { Store } from '../store/types';
import { EventBus } from './event-bus';
import type { Clock } from './types';

export class EventOutbox {
  private readonly bus = new EventBus();
  private events: FarmEvent[] = [];

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly delayMs: number,
    private readonly warn: (message: string) => void,
  ) {}

  subscribe(listener: (event: FarmEvent) => void): () => void {
    return this.bus.subscribe(listener);
  }

  /**
   * Queues an event. Nobody hears of a state (a running or finished job, a log line) that a crash
   * could still take back: a commit per job end cost more than the job in the benchmark, and no view
   * needs them sooner than the delay.
   */
  publish(event: FarmEvent): void {
    this.events.push(event);
    if (this.events.length === 1) this.clock.setTimeout(() => this.deliver(), this.delayMs);
  }

  /** Commits the store, then hands every queued event to the bus. */
  deliver(): void {
    if (this.events.length === 0) return;
    try {
      this.store.flush();
    } catch (error) {
      // A store without an error handler throws here; the events still go out (what else could).
      this.warn(`could not record state: ${error instanceof Error ? error.message : String(error)}`);
    }
    const events = this.events;
    this.events = [];
    for (const event of events) this.bus.publish(event);
  }
}
