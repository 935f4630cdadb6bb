// `farmhand run` in a second terminal: the build goes to the coordinator that already owns the state
// dir (another `farmhand run`, or `farmhand serve`) over its local API, and is followed there.
import { join } from 'node:path';
import { oneLine } from '../../agent/executors/messages';
import type { FarmEvent } from '../../core/protocol/types';
import { openStore } from '../../core/store/sqlite-store';
import { ApiError, createApiClient } from '../api-client';
import { systemClock } from '../clock';
import type { OwnerAddress } from '../coordinator-host';
import { exitCodes } from '../exit-codes';
import { agentListingEvents } from '../views/tty-view';
import { ended, finishReport, outputClosed, startView, type RunFlags } from './run-common';

/**
 * Runs the build on the coordinator that already owns the state dir (another terminal's `farmhand
 * run`, or `farmhand serve`): submitted over its local API and followed there, with the same view,
 * report and exit code as a build run here.
 */
export async function joinRun(address: OwnerAddress, stateDir: string, root: string, total: number, flags: RunFlags, mayRetry: boolean): Promise<number | 'retry'> {
  const client = createApiClient(address);
  const view = startView(flags, total);
  let build = '';
  const early: FarmEvent[] = [];
  let finish: (status: string) => void = () => {};
  const done = new Promise<string>((resolve) => (finish = resolve));
  const show = (event: FarmEvent) => {
    if ('build' in event && event.build !== build) return;
    view.onEvent(event);
    if (event.type === 'build' && ended(event.state)) finish(event.state);
  };
  let follower: { close(): void } | undefined;
  let lostBeforeAccepted: (error: Error) => void = () => {};
  const lost = new Promise<never>((_, reject) => (lostBeforeAccepted = reject));
  lost.catch(() => {});
  try {
    follower = await client.follow(
      (events) => {
        for (const event of events) {
          if (!build) early.push(event);
          else show(event);
        }
      },
      (reason) => (build ? finish(`lost: ${reason}`) : lostBeforeAccepted(new ApiError(reason, 0))),
    );
    // Agents the owner had attached before this run followed its events, for the live view.
    for (const event of agentListingEvents(await client.get<unknown>('/api/agents').catch(() => []), systemClock.now())) show(event);
    const submit = client.post<{ build: string }>('/api/builds', { dir: root, only: flags.only, no_cache: !flags.cache, origin: `farmhand run (pid ${process.pid})` });
    build = (await Promise.race([submit, lost])).build;
  } catch (error) {
    view.stop();
    const status = error instanceof ApiError ? error.status : 0;
    // The owner went away (or is going) before it took the build: nothing ran, so try again.
    client.abort();
    follower?.close();
    if (mayRetry && (status === 0 || status === 503)) return 'retry';
    process.stderr.write(`farmhand run: ${oneLine(error)}\n`);
    return status === 422 || status === 400 ? exitCodes.badInput : exitCodes.unreachable;
  }
  process.stderr.write(`farmhand: ${build} runs on the coordinator of this state dir (farmhand ${address.kind}, pid ${address.pid})\n`);
  for (const event of early) show(event);

  let interrupted = false;
  const interrupt = () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\nfarmhand: interrupted; canceling ${build}\n`);
    client.post(`/api/builds/${build}/cancel`, {}).catch(() => finish('lost: the coordinator did not answer the cancel'));
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  process.on('SIGHUP', interrupt);
  // A closed stdout (`farmhand run --logs | head`; bin/farmhand.cjs tells) cancels like Ctrl-C.
  process.on(outputClosed, interrupt);
  const status = await done;
  follower?.close();
  view.stop();
  process.off('SIGINT', interrupt);
  process.off('SIGTERM', interrupt);
  process.off('SIGHUP', interrupt);
  process.off(outputClosed, interrupt);
  if (status.startsWith('lost: ')) {
    process.stderr.write(`farmhand run: ${status.slice(6)} before ${build} ended; its next start ends the build\n`);
    return exitCodes.unreachable;
  }
  // The owner committed the build before it said it ended: read it here as a run that owned it would.
  const store = openStore(join(stateDir, 'farmhand.db'));
  try {
    finishReport(store, build, flags);
  } finally {
    store.close();
  }
  if (interrupted) return exitCodes.interrupted;
  return status === 'success' ? exitCodes.success : exitCodes.buildFailed;
}
