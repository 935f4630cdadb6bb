// The real clock handed to the coordinator. A zero delay runs on the next turn of the event loop
// (setImmediate), not after Node's 1 ms minimum timer: a scheduling round per finished job must not
// cost a millisecond.
import type { Clock } from '../core/coordinator/coordinator';

type Handle = { immediate: NodeJS.Immediate } | { timeout: NodeJS.Timeout };

/** Wall-clock time and timers for the coordinator. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms): Handle => (ms <= 0 ? { immediate: setImmediate(callback) } : { timeout: setTimeout(callback, ms) }),
  clearTimeout: (handle) => {
    const h = handle as Handle;
    if ('immediate' in h) clearImmediate(h.immediate);
    else clearTimeout(h.timeout);
  },
};
