// The slots of an agent that holds a queue (AgentInfo.queue): attempts beyond its slots wait here, in
// the order they were assigned, and the first of them starts the moment a slot frees. A wait that is
// aborted (the attempt was canceled before it started) leaves the line without taking a slot.

export class SlotGate {
  private free: number;
  private readonly waiting: { resolve: (got: boolean) => void; signal: AbortSignal; onAbort: () => void }[] = [];

  constructor(slots: number) {
    this.free = Math.max(1, slots);
  }

  /** Resolves true with a slot taken, or false when `signal` aborts first (no slot taken). */
  acquire(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.free > 0 && this.waiting.length === 0) {
      this.free--;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const entry = {
        resolve,
        signal,
        onAbort: () => {
          const index = this.waiting.indexOf(entry);
          if (index >= 0) this.waiting.splice(index, 1);
          resolve(false);
        },
      };
      signal.addEventListener('abort', entry.onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  /** Gives a slot back: the first waiter takes it at once. */
  release(): void {
    const next = this.waiting.shift();
    if (!next) {
      this.free++;
      return;
    }
    next.signal.removeEventListener('abort', next.onAbort);
    next.resolve(true);
  }
}
