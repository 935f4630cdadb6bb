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
import type { FarmEvent } from '../../core/protocol/types';
import { parseDuration } from '../../core/spec/durations';
import { resolveStateDir } from '../../core/store/state-dir';
import { claimStateDir, ownerTag, processRecords, startOwner, type Claim, type Owner } from '../coordinator-host';
import { exitCodes } from '../exit-codes';
import { systemClock } from '../clock';
import { collectSelectors, loadPlan } from '../load';
import { reportPathProblem } from '../report';
import { joinRun } from './join-run';
import { ended, finishReport, outputClosed, startView, type RunFlags } from './run-common';

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
