// When the scheduler runs: a round is asked for after anything that may free a slot or ready a job
// (many asks in one turn make one round), and again at the time a round said it should look again
// (a batch window closing). What a round decides is the coordinator's business.
import type { Clock } from './types';

export class SchedulingRounds {
  private queued = false;
  private wakeTimer: unknown;
  private wakeAt?: number;
  private closed = false;

  /** `round` runs one scheduling round and returns when to look again, if it must. */
  constructor(
    private readonly clock: Clock,
    private readonly round: () => number | undefined,
  ) {}

  /** Asks for a round soon (after the current turn). */
  request(): void {
    if (this.queued || this.closed) return;
    this.queued = true;
    this.clock.setTimeout(() => {
      this.queued = false;
      this.run();
    }, 0);
  }

  close(): void {
    this.closed = true;
    if (this.wakeTimer !== undefined) this.clock.clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
  }

  private run(): void {
    const wakeAt = this.round();
    if (wakeAt === undefined || wakeAt === this.wakeAt || this.closed) return;
    if (this.wakeTimer !== undefined) this.clock.clearTimeout(this.wakeTimer);
    this.wakeAt = wakeAt;
    this.wakeTimer = this.clock.setTimeout(() => {
      this.wakeTimer = undefined;
      this.wakeAt = undefined;
      this.run();
    }, Math.max(0, wakeAt - this.clock.now()));
  }
}
