// `farmhand run [DIR]`: plan the project and run it here, through an embedded coordinator and an
// embedded local agent that talk over the same protocol a LAN agent will use.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type Dockerode from 'dockerode';
import { type Command, InvalidArgumentError } from 'commander';
import { defaultAgentConfig, isolationFor, parseAgentConfig, type AgentConfig } from '../../agent/config';
import { oneLine } from '../../agent/executors/messages';
import { createProcessRecorder, type LeftoverStore } from '../../agent/executors/leftovers';
import type { Executor, ProcessRecorder } from '../../agent/executors/types';
import { noAgentReason } from '../../core/lan/agent-wait';
import type { FarmEvent } from '../../core/protocol/types';
import { parseDuration } from '../../core/spec/durations';
import { openStore } from '../../core/store/sqlite-store';
import { resolveStateDir } from '../../core/store/state-dir';
import type { Store } from '../../core/store/types';
import { ApiError, createApiClient } from '../api-client';
import { claimStateDir, ownerTag, processRecords, startOwner, type Claim, type Owner, type OwnerAddress } from '../coordinator-host';
import { exitCodes } from '../exit-codes';
import { systemClock } from '../clock';
import { collectSelectors, loadPlan } from '../load';
import { buildReport, failedJobs, reportPathProblem, summaryLine, writeReport, type Report } from '../report';
import { formatFailedLogs } from '../views/job-log';
import { bufferedWriter } from '../views/buffered-writer';
import { createLineView } from '../views/line-view';
import { agentListingEvents, createTtyView } from '../views/tty-view';

interface RunFlags {
  stateDir?: string;
  jobs: number;
  only: string[];
  cache: boolean;
  report?: string;
  logs: boolean;
  connect?: string;
  agentConfig?: string;
  /** false with --no-local: only paired LAN agents run jobs. */
  local: boolean;
  agentWait: number;
}

/** Parses `--agent-wait` (`60s`, `2m`, `500ms`, or seconds as a bare number). */
export function agentWaitDuration(value: string): number {
  const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : parseDuration(value);
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) throw new InvalidArgumentError(`expected a duration such as 60s or 2m, got "${value}"`);
  return ms;
}

/** Parses a positive integer flag value, or tells commander why not. */
export function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError(`expected a whole number of 1 or more, got "${value}"`);
  return number;
}

/** Registers `farmhand run`. */
export function registerRun(program: Command): void {
  program
    .command('run [dir]')
    .description('plan and run the pipelines of DIR (default: the current folder) on this machine')
    .option('--state-dir <dir>', 'where the database, cache and logs live (env FARMHAND_STATE_DIR)')
    .option('--jobs <n>', 'slots of the local agent (default: cores)', positiveInteger, availableParallelism())
    .option('--only <pipeline[/job]>', 'run only this pipeline or job and what it needs (repeatable, or comma-separated)', collectSelectors, [])
    .option('--no-cache', 'run every job even when its key was built before')
    .option('--report <file>', 'write the JSON run report here')
    .option('--logs', 'print job output, each line prefixed by its job (when not a terminal)', false)
    .option('--agent-config <file>', "this machine's agent settings (default: agent.yml in the state dir)")
    .option('--no-local', 'run nothing on this machine: only paired LAN agents take jobs')
    .option('--agent-wait <duration>', 'how long a job no online agent can take waits before it fails', agentWaitDuration, 60_000)
    .option('--connect <url>', 'use a running coordinator (not available yet)')
    .action(async (dir: string | undefined, flags: RunFlags) => {
      process.exitCode = await run(resolve(dir ?? '.'), flags);
    });
}

async function run(root: string, flags: RunFlags): Promise<number> {
  if (flags.connect) {
    process.stderr.write('farmhand run: --connect is not available yet; run without it to use an embedded coordinator\n');
    return exitCodes.badInput;
  }
  const stateDir = resolveStateDir(flags.stateDir, process.env);
  const loaded = loadPlan(root, flags.only, { stderr: (text) => process.stderr.write(text), cwd: process.cwd(), stateDir });
  if ('exitCode' in loaded) return loaded.exitCode;
  const reportProblem = flags.report === undefined ? undefined : reportPathProblem(flags.report);
  if (reportProblem) {
    process.stderr.write(`farmhand run: --report ${flags.report} ${reportProblem}\n`);
    return exitCodes.badInput;
  }
  const { plan } = loaded;

  const config = readAgentConfig(flags.agentConfig, stateDir);
  if ('error' in config) {
    process.stderr.write(`farmhand run: ${config.error}\n`);
    return exitCodes.badInput;
  }
  const needsDocker = flags.local && plan.jobs.some((job) => isolationFor(config.config, job) === 'docker');
  let claim: Claim;
  // An owner that is just stopping refuses new builds: then this run claims the state dir again.
  for (let round = 0; ; round++) {
    try {
      claim = await claimStateDir(stateDir);
    } catch (error) {
      process.stderr.write(`farmhand run: cannot use the state dir ${stateDir}: ${oneLine(error)}\n`);
      return exitCodes.badInput;
    }
    if (claim.owner) break;
    if ('error' in claim) {
      process.stderr.write(`farmhand run: ${claim.error}\n`);
      return exitCodes.unreachable;
    }
    // The owner runs the jobs, but on this machine: a missing Docker is said here, before submitting.
    const dockerProblem = needsDocker && round === 0 ? await findDocker() : undefined;
    if (dockerProblem && 'message' in dockerProblem) {
      process.stderr.write(`farmhand run: ${dockerProblem.message}\n`);
      return exitCodes.unreachable;
    }
    const joined = await joinRun(claim.address, stateDir, root, plan.jobs.length, flags, round < 40);
    if (joined !== 'retry') return joined;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  let docker: Executor | undefined;
  // Containers are recorded in the owner's store, opened below before any job starts (docs/safety.md).
  const records: { store?: LeftoverStore } = {};
  const recorder = createProcessRecorder({ record: (record) => records.store?.record(record), forget: (attempt) => records.store?.forget(attempt) });
  if (needsDocker) {
    const found = await startDocker(config.config, recorder);
    if ('message' in found) {
      claim.lock.release();
      process.stderr.write(`farmhand run: ${found.message}\n`);
      return exitCodes.unreachable;
    }
    docker = found.executor;
  }

  const warn = (message: string) => process.stderr.write(`farmhand: ${message}\n`);
  let owner: Owner;
  try {
    owner = await startOwner({ stateDir, lock: claim.lock, kind: 'run', jobs: flags.jobs, agentConfig: config.config, docker, warn, local: flags.local, agentWaitMs: flags.agentWait });
  } catch (error) {
    await docker?.close();
    process.stderr.write(`farmhand run: cannot use the state dir ${stateDir}: ${oneLine(error)}\n`);
    return exitCodes.badInput;
  }
  const { coordinator, state } = owner;
  records.store = processRecords(state.store);
  const view = startView(flags, plan.jobs.length);
  let build = '';
  const early: FarmEvent[] = [];
  // The owner's coordinator also runs builds of other processes: this view shows only its own.
  coordinator.subscribe((event) => {
    if (!build) early.push(event);
    else if (!('build' in event) || event.build === build) view.onEvent(event);
  });
  // Agents that attached before the view subscribed (the live view lists them with their busy slots).
  for (const { info } of coordinator.liveAgents()) view.onEvent({ type: 'agent', agent: info, state: 'online', at: systemClock.now() });
  build = coordinator.startBuild({ root, plan, options: { noCache: !flags.cache, only: flags.only, origin: `farmhand run (pid ${process.pid})`, owner: ownerTag } });
  owner.accepted.add(build);
  for (const event of early) if (!('build' in event) || event.build === build) view.onEvent(event);

  let interrupted = false;
  const interrupt = () => {
    if (!interrupted) {
      interrupted = true;
      process.stderr.write(`\nfarmhand: interrupted; canceling ${build}\n`);
      coordinator.cancelBuild(build, 'interrupted');
      return;
    }
    // A second interrupt while other processes' builds keep this coordinator up cancels those too.
    for (const other of owner.accepted) coordinator.cancelBuild(other, 'interrupted');
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  process.on('SIGHUP', interrupt);
  // A closed stdout (`farmhand run --logs | head`; bin/farmhand.cjs tells) cancels like Ctrl-C.
  process.on(outputClosed, interrupt);

  const status = await coordinator.finished(build);
  // Events of the last moment are delivered before the view draws its final frame.
  coordinator.flushEvents();
  view.stop();

  const noAgent = finishReport(state.store, build, flags, status, owner.transfer(build));
  const others = [...owner.accepted].filter((other) => other !== build && !ended(state.store.getBuildInfo(other)?.status));
  if (others.length > 0) process.stderr.write(`farmhand: keeping the coordinator up for ${others.join(', ')}, started from another terminal (Ctrl-C cancels them)\n`);
  await owner.allFinished();
  await owner.close();
  process.off('SIGINT', interrupt);
  process.off('SIGTERM', interrupt);
  process.off('SIGHUP', interrupt);
  process.off(outputClosed, interrupt);
  if (interrupted) return exitCodes.interrupted;
  if (status !== 'success' && noAgent) return exitCodes.unreachable;
  return status === 'success' ? exitCodes.success : exitCodes.buildFailed;
}

const ended = (status: string | undefined) => status === 'success' || status === 'failed' || status === 'canceled';

/** The report file, the failed jobs' logs and the summary line, from the store after the build. */
function finishReport(store: Store, build: string, flags: RunFlags, status?: string, transfer?: Report['transfer']): boolean {
  const report: Report = { ...buildReport(store, build), transfer };
  // The coordinator's word wins when the store could not record the end (a full disk).
  if (status) report.status = status;
  const reportError = flags.report ? writeReport(flags.report, report) : undefined;
  if (reportError) process.stderr.write(`farmhand: ${reportError}\n`);
  const failed = failedJobs(store, report);
  if (!flags.logs) process.stdout.write(formatFailedLogs(store, build, failed));
  process.stdout.write(`${summaryLine(report, failed)}\n`);
  // Exit 3 when the build failed because no online agent could take a job (--agent-wait).
  return report.jobs.some((job) => job.status === 'failed' && job.reason?.startsWith(noAgentReason));
}

/** The live view: a TTY frame redrawn 5 times a second, or one line per state change. */
function startView(flags: RunFlags, total: number): { onEvent: (event: FarmEvent) => void; stop: () => void } {
  const write = (text: string) => process.stdout.write(text);
  if (process.stdout.isTTY) {
    const view = createTtyView({ write, now: systemClock.now, columns: () => process.stdout.columns || 80, rows: () => process.stdout.rows || 24, total });
    const timer = setInterval(view.render, 200);
    return {
      onEvent: view.onEvent,
      stop: () => {
        clearInterval(timer);
        view.render();
      },
    };
  }
  const out = bufferedWriter(write);
  const view = createLineView({ write: out.write, logs: flags.logs });
  return {
    onEvent: view.onEvent,
    stop: () => {
      view.flush();
      out.flush();
    },
  };
}

/**
 * Runs the build on the coordinator that already owns the state dir (another terminal's `farmhand
 * run`, or `farmhand serve`): submitted over its local API and followed there, with the same view,
 * report and exit code as a build run here.
 */
async function joinRun(address: OwnerAddress, stateDir: string, root: string, total: number, flags: RunFlags, mayRetry: boolean): Promise<number | 'retry'> {
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

/** The event bin/farmhand.cjs emits when stdout or stderr is closed under us (EPIPE, EIO). */
const outputClosed = 'farmhand:output-closed';

/** The Docker engine, or the one sentence that says why it cannot be used. */
async function findDocker(): Promise<{ docker: Dockerode } | { message: string }> {
  const { checkDocker, defaultDocker } = await import('../../agent/executors/docker-engine');
  const docker = defaultDocker();
  const check = await checkDocker(docker);
  if (!check.ok) return { message: `${check.message} (some jobs of this project have an image; use image: none, or isolation: shell in agent.yml on a trusted machine, to run them as plain processes)` };
  return { docker };
}

async function startDocker(config: AgentConfig, recorder: ProcessRecorder): Promise<{ executor: Executor } | { message: string }> {
  const found = await findDocker();
  if ('message' in found) return found;
  const { createDockerExecutor } = await import('../../agent/executors/docker-executor');
  const { cleanupStaleContainers } = await import('../../agent/executors/docker-engine');
  await cleanupStaleContainers(found.docker, hostname());
  return { executor: createDockerExecutor({ docker: found.docker, config: { ...config.docker, agentName: hostname() }, recorder }) };
}

/** The agent's settings: --agent-config, else agent.yml in the state dir, else the defaults. */
function readAgentConfig(flag: string | undefined, stateDir: string): { config: AgentConfig } | { error: string } {
  const file = flag ?? join(stateDir, 'agent.yml');
  if (!existsSync(file)) return flag ? { error: `${flag}: no such file` } : { config: defaultAgentConfig };
  return parseAgentConfig(readFileSync(file, 'utf8'), file);
}
