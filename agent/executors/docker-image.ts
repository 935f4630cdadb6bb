// Makes sure a job's image is on this machine before its container is created: inspect, else pull.
import type Dockerode from 'dockerode';
import { oneLine } from './messages';

export type ImageCheck = { ok: true } | { ok: false; canceled: true } | { ok: false; canceled: false; message: string };

/** Returns `ensure(image, signal)`, which pulls a missing image once even when several jobs ask at the same time. */
export function createImageResolver(docker: Dockerode, pullTimeoutMs: number): (image: string, signal: AbortSignal) => Promise<ImageCheck> {
  const pulls = new Map<string, Promise<string | undefined>>();
  return async (image, signal) => {
    try {
      await docker.getImage(image).inspect();
      return { ok: true };
    } catch (error) {
      if (statusCode(error) !== 404) return { ok: false, canceled: false, message: `could not inspect image "${image}": ${dockerErrorLine(error)}` };
    }
    let pull = pulls.get(image);
    if (!pull) {
      pull = pullImage(docker, image, pullTimeoutMs).finally(() => pulls.delete(image));
      pulls.set(image, pull);
    }
    const failure = await raceAbort(pull, signal);
    if (failure === aborted) return { ok: false, canceled: true };
    if (failure === undefined) return { ok: true };
    return { ok: false, canceled: false, message: `image "${image}" is not available locally and could not be pulled: ${failure}` };
  };
}

/** Pulls `image`; resolves to undefined when it arrived, or to one line saying why not. Never rejects, never hangs. */
async function pullImage(docker: Dockerode, image: string, timeoutMs: number): Promise<string | undefined> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const timedOut = `no answer from the registry within ${formatSeconds(timeoutMs)}`;
  try {
    const stream: NodeJS.ReadableStream = await docker.pull(image, { abortSignal: timeout });
    const finished = new Promise<string | undefined>((resolve) => {
      docker.modem.followProgress(stream, (error: Error | null, events: { error?: string }[]) => {
        if (timeout.aborted) return resolve(timedOut);
        // A failed pull often ends its progress stream normally, with the error as the last event.
        const reported = error ? oneLine(error) : events.find((event) => event.error)?.error;
        resolve(reported ? oneLine(reported) : undefined);
      });
    });
    const onTimeout = new Promise<string>((resolve) => {
      if (timeout.aborted) resolve(timedOut);
      timeout.addEventListener('abort', () => resolve(timedOut), { once: true });
    });
    const failure = await Promise.race([finished, onTimeout]);
    if (failure === timedOut) (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    return failure;
  } catch (error) {
    return timeout.aborted ? timedOut : dockerErrorLine(error);
  }
}

const aborted = Symbol('aborted');

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | typeof aborted> {
  if (signal.aborted) return Promise.resolve(aborted);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(aborted);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** One line of a Docker API error, without dockerode's "(HTTP code 500) server error - " prefix. */
export function dockerErrorLine(error: unknown): string {
  // For streamed calls (pull) dockerode has no parsed body, only the prefixed message.
  return oneLine(error).replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}

/** The HTTP status of a Docker API error, if it has one. */
export function statusCode(error: unknown): number | undefined {
  const code = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}
