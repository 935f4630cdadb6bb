// `farmhand run [DIR]`: plan the project and run it here, through an embedded coordinator and an
// embedded local agent that talk over the same protocol a LAN agent will use.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { defaultAgentConfig, isolationFor, parseAgentConfig, type AgentConfig } from '../../agent/config';
import { startLocalAgent } from '../../agent/local-agent';
import { oneLine } from '../../agent/executors/messages';
import { createShellExecutor } from '../../agent/executors/shell-executor';
import { createProcessRecorder, endLeftoverProcesses } from '../../agent/executors/leftovers';
import type { Executor, ProcessRecorder } from '../../agent/executors/types';
import { createCoordinator } from '../../core/coordinator/coordinator';
import { createChannelPair } from '../../core/protocol/channel';
import type { AgentMessage, CoordinatorMessage } from '../../core/protocol/types';
import { openState, resolveStateDir, type State } from '../../core/store/state-dir';
import { closeAbandonedBuilds } from '../../core/store/recover';
import type { Store } from '../../core/store/types';
import { exitCodes } from '../exit-codes';
import { systemClock } from '../clock';
import { runHook } from '../hooks';
import { loadPlan } from '../load';
import { buildReport } from '../report';
import { bufferedWriter } from '../views/buffered-writer';
import { createLineView } from '../views/line-view';
import { createTtyView } from '../views/tty-view';

interface RunFlags {
  stateDir?: string;
  jobs: number;
  only: string[];
  cache: boolean;
  report?: string;
  logs: boolean;
  connect?: string;
  agentConfig?: string;
}

/** Parses a positive integer flag value, or tells commander why not. */
export function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError(`expected a whole number of 1 or more, got "${value}"`);
  return number;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Registers `farmhand run`. */
export function registerRun(program: Command): void {
  program
    .command('run [dir]')
    .description('plan and run the pipelines of DIR (default: the current folder) on this machine')
    .option('--state-dir <dir>', 'where the database, cache and logs live (env FARMHAND_STATE_DIR)')
    .option('--jobs <n>', 'slots of the local agent (default: cores)', positiveInteger, availableParallelism())
    .option('--only <pipeline[/job]>', 'run only this pipeline or job and what it needs (repeatable)', collect, [])
    .option('--no-cache', 'run every job even when its key was built before')
    .option('--report <file>', 'write the JSON run report here')
    .option('--logs', 'print job output, each line prefixed by its job (when not a terminal)', false)
    .option('--agent-config <file>', "this machine's agent settings (default: agent.yml in the state dir)")
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
  const loaded = loadPlan(root, flags.only, { stderr: (text) => process.stderr.write(text), cwd: process.cwd() });
  if ('exitCode' in loaded) return loaded.exitCode;
  const { plan } = loaded;

  const stateDir = resolveStateDir(flags.stateDir, process.env);
  const config = readAgentConfig(flags.agentConfig, stateDir);
  if ('error' in config) {
    process.stderr.write(`farmhand run: ${config.error}\n`);
    return exitCodes.badInput;
  }
  // Each running job's process group is recorded in the state dir, so a start after a crash can end it.
  const recorder = createProcessRecorder({ record: (record) => state.store.recordProcess(record), forget: (attempt) => state.store.forgetProcess(attempt) });
  const shell = createShellExecutor({ recorder });
  let docker: Executor | undefined;
  if (plan.jobs.some((job) => isolationFor(config.config, job) === 'docker')) {
    const found = await startDocker(config.config, recorder);
    if ('message' in found) {
      process.stderr.write(`farmhand run: ${found.message}\n`);
      return exitCodes.unreachable;
    }
    docker = found.executor;
  }

  const warn = (message: string) => process.stderr.write(`farmhand: ${message}\n`);
  // A write the database refuses is a bug to report, not a reason to stop the jobs that run.
  let state: State;
  try {
    state = openState(stateDir, { onError: (error) => warn(`could not record state: ${oneLine(error)}`) });
  } catch (error) {
    process.stderr.write(`farmhand run: cannot use the state dir ${stateDir}: ${oneLine(error)}\n`);
    return exitCodes.badInput;
  }
  await endLeftovers(state.store);
  recoverLeftovers(state.store);
  const clock = systemClock;
  const coordinator = createCoordinator({ store: state.store, artifacts: state.artifacts, clock, runHook, warn });
  const [coordinatorEnd, agentEnd] = createChannelPair<CoordinatorMessage, AgentMessage>();
  coordinator.attachAgent(coordinatorEnd);
  const agent = startLocalAgent({ channel: agentEnd, slots: flags.jobs, shell, docker, config: config.config, now: clock.now, warn });

  const tty = Boolean(process.stdout.isTTY);
  const write = (text: string) => process.stdout.write(text);
  let stopView = () => {};
  if (tty) {
    const view = createTtyView({ write, now: clock.now, columns: () => process.stdout.columns || 80, total: plan.jobs.length });
    coordinator.subscribe(view.onEvent);
    const timer = setInterval(view.render, 200);
    stopView = () => {
      clearInterval(timer);
      view.render();
    };
  } else {
    const out = bufferedWriter(write);
    const view = createLineView({ write: out.write, logs: flags.logs });
    coordinator.subscribe(view.onEvent);
    stopView = () => {
      view.flush();
      out.flush();
    };
  }

  const build = coordinator.startBuild({ root, plan, options: { noCache: !flags.cache, only: flags.only } });
  let interrupted = false;
  const interrupt = () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\nfarmhand: interrupted; canceling ${build}\n`);
    coordinator.cancelBuild(build, 'interrupted');
  };
  // A closed terminal (SIGHUP) and a closed stdout (`farmhand run --logs | head`, see bin/farmhand.cjs)
  // cancel like Ctrl-C: jobs never outlive the run that started them.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', outputClosed] as const;
  for (const signal of signals) process.on(signal, interrupt);

  const status = await coordinator.finished(build);
  await agent.close();
  await coordinator.close();
  stopView();
  for (const signal of signals) process.off(signal, interrupt);

  const report = buildReport(state.store, build);
  if (flags.report) writeFileSync(flags.report, `${JSON.stringify(report, null, 2)}\n`);
  if (!flags.logs) printFailedLogs(state.store, build, report.jobs.filter((job) => job.status === 'failed').map((job) => job.id));
  const counts = ['success', 'cached', 'failed', 'skipped', 'canceled', 'lost']
    .map((state) => [state, report.jobs.filter((job) => job.status === state).length] as const)
    .filter(([, count]) => count > 0);
  process.stdout.write(`${build} ${status}: ${counts.map(([state, count]) => `${count} ${state}`).join(', ')}\n`);
  state.close();
  if (interrupted) return exitCodes.interrupted;
  return status === 'success' ? exitCodes.success : exitCodes.buildFailed;
}

/** The event bin/farmhand.cjs emits when stdout or stderr is closed under us (EPIPE, EIO). */
const outputClosed = 'farmhand:output-closed';

/** Kills the job processes (and removes the containers) that a `farmhand run` which died left running. */
async function endLeftovers(store: Store): Promise<void> {
  const outcome = endLeftoverProcesses(store.listProcesses());
  if (outcome.containers.length > 0) {
    const { defaultDocker, removeContainers } = await import('../../agent/executors/docker-engine');
    await removeContainers(defaultDocker(), outcome.containers).catch(() => undefined);
  }
  for (const attempt of outcome.forget) store.forgetProcess(attempt);
  const ended = outcome.killed.length + outcome.containers.length;
  if (ended > 0) process.stderr.write(`farmhand: ended ${ended} job(s) left running by a farmhand run that stopped\n`);
}

/** Ends builds left running by a coordinator that died: finished jobs stay, the rest end. */
function recoverLeftovers(store: Store): void {
  for (const closed of closeAbandonedBuilds(store, Date.now())) {
    process.stderr.write(`farmhand: build ${closed.build} was left running by a coordinator that stopped; ${closed.lost.length} unfinished job(s) marked lost\n`);
  }
}

function printFailedLogs(store: Store, build: string, jobs: string[]): void {
  for (const job of jobs) {
    const chunks = store.readLog(build, job);
    process.stdout.write(`\n--- ${job} (failed) ---\n`);
    const tail = chunks.slice(-200);
    if (tail.length < chunks.length) process.stdout.write(`... ${chunks.length - tail.length} earlier chunks: farmhand logs ${build} ${job}\n`);
    for (const chunk of tail) process.stdout.write(chunk.data);
    if (tail.length && !tail[tail.length - 1]!.data.endsWith('\n')) process.stdout.write('\n');
  }
}

async function startDocker(config: AgentConfig, recorder: ProcessRecorder): Promise<{ executor: Executor } | { message: string }> {
  const { createDockerExecutor } = await import('../../agent/executors/docker-executor');
  const { checkDocker, defaultDocker, cleanupStaleContainers } = await import('../../agent/executors/docker-engine');
  const docker = defaultDocker();
  const check = await checkDocker(docker);
  if (!check.ok) return { message: `${check.message} (some jobs of this project have an image; use image: none, or isolation: shell in agent.yml on a trusted machine, to run them as plain processes)` };
  await cleanupStaleContainers(docker, hostname());
  return { executor: createDockerExecutor({ docker, config: { ...config.docker, agentName: hostname() }, recorder }) };
}

/** The agent's settings: --agent-config, else agent.yml in the state dir, else the defaults. */
function readAgentConfig(flag: string | undefined, stateDir: string): { config: AgentConfig } | { error: string } {
  const file = flag ?? join(stateDir, 'agent.yml');
  if (!existsSync(file)) return flag ? { error: `${flag}: no such file` } : { config: defaultAgentConfig };
  return parseAgentConfig(readFileSync(file, 'utf8'), file);
}
