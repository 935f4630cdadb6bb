// Becoming the coordinator of a state dir, or finding the one that is. The owner (a `farmhand run`,
// `farmhand serve` or the desktop app) holds the state dir's lock, opens the store (migrations run
// under the lock), ends what a dead owner left, runs the coordinator and the embedded local agent,
// and serves the local API that other processes use to submit and follow builds.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { AgentConfig } from '../agent/config';
import { startLocalAgent } from '../agent/local-agent';
import { createShellExecutor } from '../agent/executors/shell-executor';
import { createProcessRecorder, endLeftovers, type LeftoverStore } from '../agent/executors/leftovers';
import type { Executor } from '../agent/executors/types';
import { createCoordinator, type Coordinator } from '../core/coordinator/coordinator';
import { watchAgentWait } from '../core/lan/agent-wait';
import { createChannelPair } from '../core/protocol/channel';
import type { AgentMessage, CoordinatorMessage } from '../core/protocol/types';
import { startApiServer, type ApiServer } from '../core/server/api-server';
import { createEventStream, type EventStream } from '../core/server/event-stream';
import { createFarmApi } from '../core/server/farm-api';
import { closeAbandonedBuilds, resumableBuilds } from '../core/store/recover';
import { makeDirectory, openState, type State } from '../core/store/state-dir';
import type { Store } from '../core/store/types';
import { readOwnerInfo, tryLockState, type OwnerInfo, type StateLock } from '../core/store/state-lock';
import { systemClock } from './clock';
import { runHook } from './hooks';
import { createLanApi, mdnsAllowed } from './lan-api';
import { loadPlan } from './load';
import { buildReport } from './report';

export const processStartedAt = Math.round(Date.now() - process.uptime() * 1000);
export const ownerTag = `${process.pid}:${processStartedAt}`;

/** Where another process finds the owner: its API address and token. */
export interface OwnerAddress {
  url: string;
  token: string;
  pid: number;
  kind: string;
}

export type Claim = { owner: true; lock: StateLock } | { owner: false; address: OwnerAddress } | { owner: false; error: string };

const tokenFile = (stateDir: string) => join(stateDir, 'api-token');

/**
 * Takes the state dir's lock, or finds the owner's API. An owner that has the lock but does not
 * listen yet is waited for (a few seconds); one that never says where it listens is an error.
 */
export async function claimStateDir(stateDir: string, waitMs = 10_000): Promise<Claim> {
  makeDirectory(stateDir);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const result = tryLockState(stateDir);
    if (result.owner) return result;
    const address = result.info && addressOf(stateDir, result.info);
    if (address) return { owner: false, address };
    if (Date.now() > deadline) {
      const who = result.info ? `process ${result.info.pid} (farmhand ${result.info.kind})` : 'another process';
      return { owner: false, error: `the state dir ${stateDir} is in use by ${who}, which does not answer; wait for it, or use another --state-dir` };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function addressOf(stateDir: string, info: OwnerInfo): OwnerAddress | undefined {
  if (!info.url) return undefined;
  try {
    return { url: info.url, token: readFileSync(tokenFile(stateDir), 'utf8').trim(), pid: info.pid, kind: info.kind };
  } catch {
    return undefined;
  }
}

export interface OwnerOptions {
  stateDir: string;
  lock: StateLock;
  kind: 'run' | 'serve' | 'app';
  jobs: number;
  agentConfig: AgentConfig;
  /** The Docker executor, when the caller started one. */
  docker?: Executor;
  warn: (message: string) => void;
  host?: string;
  port?: number;
  token?: string;
  staticDir?: string;
  /** false: no embedded agent, only paired LAN agents run jobs (`--no-local`). */
  local?: boolean;
  /** How long a job no online agent can take waits before it fails (`--agent-wait`, default 60 s). */
  agentWaitMs?: number;
}

export interface Owner {
  state: State;
  coordinator: Coordinator;
  events: EventStream;
  api: ApiServer;
  token: string;
  /** Every build this owner accepted, its own and those submitted by other processes. */
  accepted: Set<string>;
  /** Resolves when every accepted build has ended. */
  allFinished(): Promise<void>;
  /** Bytes of snapshots and outputs moved to and from LAN agents for a build. */
  transfer(build: string): { to_agents_bytes: number; from_agents_bytes: number };
  close(): Promise<void>;
}

/** Opens the store under the lock and starts the coordinator, the local agent and the API. */
export async function startOwner(options: OwnerOptions): Promise<Owner> {
  let state: State;
  // The first refused write (a full disk) is reported once and fails the builds; the rest are counted.
  let storeFailed: (error: unknown) => void = () => {};
  try {
    state = openState(options.stateDir, { onError: (error) => storeFailed(error) });
  } catch (error) {
    options.lock.release();
    throw error;
  }
  // Job processes and containers a dead owner left running are ended before anything runs (docs/safety.md).
  const processes = processRecords(state.store);
  const leftovers = await endLeftovers(processes);
  if (leftovers > 0) options.warn(`ended ${leftovers} job(s) left running by a farmhand run that stopped`);
  // A `farmhand serve` (or the app) takes over builds a dead one left with jobs on LAN agents (docs/lan.md, Faults).
  const resumed = options.kind === 'run' ? [] : resumableBuilds(state.store, Date.now());
  for (const closed of closeAbandonedBuilds(state.store, Date.now(), resumed)) {
    options.warn(`build ${closed.build} was left running by a coordinator that stopped; ${closed.lost.length} unfinished job(s) marked lost`);
  }
  const coordinator = createCoordinator({ store: state.store, artifacts: state.artifacts, clock: systemClock, runHook, warn: options.warn, name: hostname(), resumable: options.kind !== 'run' });
  coordinator.resume(resumed);
  for (const build of resumed) options.warn(`build ${build} was left running by a coordinator that stopped; resuming it (its jobs on LAN agents are taken back)`);
  let refused = 0;
  storeFailed = (error) => {
    if (refused++ > 0) return;
    const reason = `the state dir ${options.stateDir} refused a write (${storeErrorLine(error)})`;
    options.warn(`${reason}; failing the running builds (later write errors are not shown)`);
    coordinator.failAll(reason);
  };
  const events = createEventStream();
  coordinator.subscribe((event) => events.push(event));
  const stopAgentWait = watchAgentWait({ coordinator, store: state.store, waitMs: options.agentWaitMs ?? 60_000 });
  let agent: { close(): Promise<void> } = { close: async () => {} };
  if (options.local !== false) {
    const [coordinatorEnd, agentEnd] = createChannelPair<CoordinatorMessage, AgentMessage>();
    coordinator.attachAgent(coordinatorEnd);
    const shell = createShellExecutor({ recorder: createProcessRecorder(processes, options.warn) });
    agent = startLocalAgent({ channel: agentEnd, slots: options.jobs, shell, docker: options.docker, config: options.agentConfig, now: systemClock.now, warn: options.warn });
  }
  // Paired LAN agents (none paired: no dialing). Loaded on use, like the other LAN code.
  const { startRemoteAgents } = await import('../core/lan/remote-agents');
  // One mDNS browser serves both the paired agents' addresses and the API's agent list.
  const discovery = mdnsAllowed() ? (await import('../core/lan/discovery')).startDiscovery({ now: systemClock.now, log: options.warn }) : undefined;
  const remote = await startRemoteAgents({ stateDir: options.stateDir, coordinator, artifacts: state.artifacts, store: state.store, discovery, log: (line) => options.warn(line) });
  // Results LAN agents kept for a killed `farmhand run` go into the cache before this one plans its build.
  if (options.kind === 'run') await coordinator.settleOrphans(5000);

  const lan = createLanApi(options.stateDir, () => coordinator.liveAgents(), discovery);
  const accepted = new Set<string>();
  let closing = false;
  const farm = createFarmApi({
    coordinator,
    store: state.store,
    loadPlan: (dir, only) => {
      const errors: string[] = [];
      const loaded = loadPlan(dir, only, { stderr: (text) => errors.push(text.trimEnd()), cwd: dir, stateDir: options.stateDir });
      return 'exitCode' in loaded ? { error: errors.join('\n') || `could not plan ${dir}` } : { root: loaded.root, plan: loaded.plan };
    },
    report: (build) => {
      const report = buildReport(state.store, build);
      const needs = new Map(state.store.getBuild(build)!.plan.jobs.map((job) => [job.id, job.needs]));
      return { ...report, transfer: remote.transfer(build), jobs: report.jobs.map((job) => ({ ...job, needs: needs.get(job.id) ?? [] })) };
    },
    onBuild: (build) => accepted.add(build),
    agents: () => lan.agents(),
    readBlob: (sha256) => state.artifacts.read(sha256),
    pair: (agent, code) => lan.pair(agent, code),
    // Once this owner is on its way out, a submitter must wait for the next owner instead.
    accepting: () => !closing,
    describe: () => ({ pid: process.pid, kind: options.kind, version: '0.1.0' }),
  });
  /** Stops what runs behind the API, in order, and gives the state dir up. */
  const stopParts = async () => {
    stopAgentWait();
    await remote.close();
    await discovery?.close();
    await agent.close();
    await coordinator.close();
    state.close();
    options.lock.release();
  };
  const token = options.token ?? randomBytes(24).toString('base64url');
  writeFileSync(tokenFile(options.stateDir), `${token}\n`, { mode: 0o600 });
  let api: ApiServer;
  try {
    api = await startApiServer({ context: { events, farm }, token, host: options.host, port: options.port, staticDir: options.staticDir });
  } catch (error) {
    await stopParts();
    throw error;
  }
  options.lock.describe({ pid: process.pid, startedAt: processStartedAt, url: api.url, kind: options.kind });

  let closed = false;
  const ended = new Set<string>();
  const allFinished = async () => {
    // Builds may be submitted while others end: loop until a pass finds nothing unfinished. The
    // coordinator's word counts, not the store's (which a full disk may have left behind).
    for (;;) {
      const open = [...accepted].filter((build) => !ended.has(build));
      if (open.length === 0) return;
      await Promise.all(open.map((build) => coordinator.finished(build).finally(() => ended.add(build)).catch(() => {})));
    }
  };
  return {
    state,
    coordinator,
    events,
    api,
    token,
    accepted,
    allFinished,
    transfer: (build) => remote.transfer(build),
    async close() {
      if (closed) return;
      closed = true;
      closing = true;
      // A build accepted just before closing began still runs to its end.
      await allFinished();
      events.flush();
      await api.close();
      events.close();
      await stopParts();
    },
  };
}

/** The cause of a refused store write in a few words: `database or disk is full (SQLITE_FULL)`. */
function storeErrorLine(error: unknown): string {
  const failures = (error as { failures?: { error: unknown }[] }).failures;
  const cause = failures?.[0]?.error ?? error;
  const code = (cause as { code?: string }).code;
  return `${cause instanceof Error ? cause.message : String(cause)}${code ? ` (${code})` : ''}`;
}


/** The owner's description as other processes read it (for `farmhand cancel` and friends). */
export function findOwner(stateDir: string): OwnerAddress | undefined {
  const info = readOwnerInfo(stateDir);
  return info && addressOf(stateDir, info);
}

/** The state dir's records of running job processes, as the executors' recorder and the leftover clean-up use them. */
export function processRecords(store: Store): LeftoverStore {
  return { list: () => store.listProcesses(), record: (record) => store.recordProcess(record), forget: (attempt) => store.forgetProcess(attempt) };
}
