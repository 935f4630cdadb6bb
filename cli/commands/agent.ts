// `farmhand agent`: a headless LAN agent in the foreground until SIGINT/SIGTERM. It serves its pools
// to paired coordinators over mutual TLS, advertises itself by mDNS, and prints its pairing code.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { defaultAgentConfig, parseAgentConfig, type AgentConfig } from '../../agent/config';
import { oneLine } from '../../agent/executors/messages';
import { createShellExecutor } from '../../agent/executors/shell-executor';
import type { Executor } from '../../agent/executors/types';
import { lanDefaults } from '../../core/protocol/lan';
import type { Identity } from '../../core/protocol/lan-identity';
import { resolveStateDir } from '../../core/store/state-dir';
import { systemClock } from '../clock';
import { exitCodes } from '../exit-codes';
import { positiveInteger } from './run';

interface AgentFlags {
  stateDir?: string;
  name?: string;
  pool: string[];
  labels?: string;
  slots: number;
  port: number;
  listen: string;
  mdns: boolean;
  mdnsProbe: boolean;
  pairing: boolean;
  agentConfig?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Parses a TCP port flag (0: any free port), or tells commander why not. */
export function portNumber(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`expected a port from 0 to 65535, got "${value}"`);
  return port;
}

/** Registers `farmhand agent`. */
export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description('run a LAN agent: serve pools to paired coordinators, advertise on the LAN, print a pairing code')
    .option('--state-dir <dir>', 'identity, trusted coordinators and workspaces (env FARMHAND_STATE_DIR)')
    .option('--name <name>', 'the name coordinators show (default: host name)')
    .option('--pool <pool>', 'a pool this agent serves (repeatable; default: default)', collect, [])
    .option('--labels <a,b>', 'labels this agent offers')
    .option('--slots <n>', 'jobs at once (default: cores)', positiveInteger, availableParallelism())
    .option('--port <n>', 'TCP port (0 = any free port)', portNumber, lanDefaults.port)
    .option('--listen <addr>', 'address to listen on', '0.0.0.0')
    .option('--no-mdns', 'do not advertise on the LAN (pair and connect by HOST:PORT)')
    .option('--no-pairing', 'print no pairing code and refuse pairing')
    .option('--agent-config <file>', "this machine's agent settings (default: agent.yml in the state dir)")
    .addOption(new Option('--no-mdns-probe', 'advertise without the 3 x 250 ms mDNS probe (tests)').hideHelp())
    .action(async (flags: AgentFlags) => {
      process.exitCode = await agent(flags);
    });
}

async function agent(flags: AgentFlags): Promise<number> {
  const stateDir = resolveStateDir(flags.stateDir, process.env);
  const configFile = flags.agentConfig ?? join(stateDir, 'agent.yml');
  let config: AgentConfig = defaultAgentConfig;
  if (existsSync(configFile)) {
    const parsed = parseAgentConfig(readFileSync(configFile, 'utf8'), configFile);
    if ('error' in parsed) return fail(parsed.error, exitCodes.badInput);
    config = parsed.config;
  } else if (flags.agentConfig) return fail(`${flags.agentConfig}: no such file`, exitCodes.badInput);

  const log = (line: string) => process.stderr.write(`farmhand agent: ${line}\n`);
  // Loaded on use: TLS, WebSocket and mDNS code stays out of every other command's start-up.
  const { startLanAgent } = await import('../../agent/lan/lan-agent');
  let running;
  try {
    running = await startLanAgent({
      stateDir,
      name: flags.name ?? hostname(),
      pools: flags.pool.length > 0 ? flags.pool : ['default'],
      labels: (flags.labels ?? '').split(',').map((label) => label.trim()).filter(Boolean),
      slots: flags.slots,
      host: flags.listen,
      port: flags.port,
      mdns: flags.mdns,
      mdnsProbe: flags.mdnsProbe,
      pairing: flags.pairing,
      createExecutors: (identity) => createExecutors(identity, config, log),
      config,
      version: '0.1.0',
      now: systemClock.now,
      log,
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') return fail(`port ${flags.port} on ${flags.listen} is in use (another agent?); pass --port N, or --port 0 for any free port`, exitCodes.badInput);
    if (code === 'EADDRNOTAVAIL') return fail(`cannot listen on ${flags.listen}: no such address on this machine`, exitCodes.badInput);
    return fail(`cannot start: ${oneLine(error)}`, exitCodes.unreachable);
  }
  const { identity } = running;
  process.stdout.write(`agent ${identity.name} id ${identity.id} listening on ${running.host}:${running.port}\n`);
  process.stdout.write(`fingerprint: ${identity.fingerprint}\n`);
  if (running.pairingCode) process.stdout.write(`pairing code: ${running.pairingCode}\n`);
  if (!flags.mdns) log('not advertising on the LAN (--no-mdns): pair with farmhand pair HOST:PORT CODE');

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log(`${signal}: withdrawing the advertisement and stopping`);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      void running.close().then(resolve);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
  return exitCodes.success;
}

function fail(message: string, code: number): number {
  process.stderr.write(`farmhand agent: ${message}\n`);
  return code;
}

/** Shell always (agent.yml decides whether jobs may use it); Docker when the engine answers. */
async function createExecutors(identity: Identity, config: AgentConfig, log: (line: string) => void): Promise<Partial<Record<'shell' | 'docker', Executor>>> {
  const executors: Partial<Record<'shell' | 'docker', Executor>> = { shell: createShellExecutor() };
  const { createDockerExecutor } = await import('../../agent/executors/docker-executor');
  const { checkDocker, defaultDocker, cleanupStaleContainers } = await import('../../agent/executors/docker-engine');
  const docker = defaultDocker();
  const check = await checkDocker(docker, 2000);
  if (!check.ok) {
    log(`${check.message}: jobs with an image will be refused here`);
    return executors;
  }
  // Containers carry this agent's id, so clean-up never touches another agent's (or farmhand run's).
  const agentName = `agent-${identity.id}`;
  await cleanupStaleContainers(docker, agentName).catch((error) => log(`could not clean up old containers: ${oneLine(error)}`));
  executors.docker = createDockerExecutor({ docker, config: { ...config.docker, agentName } });
  return executors;
}
