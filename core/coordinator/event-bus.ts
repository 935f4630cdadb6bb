// Publishes every state change to whoever listens (terminal view, web UI, tests).
import type { FarmEvent } from '../protocol/types';

export class EventBus {
  private readonly listeners = new Set<(event: FarmEvent) => void>();

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: (event: FarmEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Delivers an event to every listener; a throwing listener does not stop the others. */
  publish(event: FarmEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A view's bug must not stop a build.
      }
    }
  }
}
