// `farmhand pair AGENT CODE`: pair this coordinator with an agent by the code it printed. AGENT is a
// name or id heard on the LAN (mDNS), or HOST:PORT. Exit 0 paired, 2 wrong code or refused, 3 unreachable.
import type { Command } from 'commander';
import { oneLine } from '../../agent/executors/messages';
import { seconds } from './agents';
import { openCoordinatorIdentity } from '../../core/lan/coordinator-identity';
import { parseHostPort, type AgentListing } from '../../core/protocol/lan';
import type { TrustedPeer } from '../../core/protocol/lan-identity';
import { resolveStateDir } from '../../core/store/state-dir';
import { systemClock } from '../clock';
import { exitCodes } from '../exit-codes';

interface PairFlags {
  stateDir?: string;
  wait: number;
}

/** Registers `farmhand pair`. */
export function registerPair(program: Command): void {
  program
    .command('pair <agent> <code>')
    .description('pair this coordinator with an agent (name, id or HOST:PORT) using the code it printed')
    .option('--state-dir <dir>', 'where the coordinator identity lives (env FARMHAND_STATE_DIR)')
    .option('--wait <seconds>', 'how long to look for the agent on the LAN', seconds, 3)
    .action(async (agent: string, code: string, flags: PairFlags) => {
      process.exitCode = await pair(agent, code, flags);
    });
}

function fail(message: string, code: number): number {
  process.stderr.write(`farmhand pair: ${message}\n`);
  return code;
}

async function pair(wanted: string, code: string, flags: PairFlags): Promise<number> {
  const stateDir = resolveStateDir(flags.stateDir, process.env);
  let coordinator;
  try {
    coordinator = await openCoordinatorIdentity(stateDir);
  } catch (error) {
    return fail(`cannot use the state dir ${stateDir}: ${oneLine(error)}`, exitCodes.badInput);
  }
  let target: { host: string; port: number; fingerprint?: string } | undefined = parseHostPort(wanted);
  if (!target) {
    const found = await lookUp(wanted, flags.wait * 1000, coordinator.pairedAgents());
    if ('error' in found) return fail(found.error, exitCodes.unreachable);
    if (found.agent.warning && !found.agent.paired) return fail(`${found.agent.warning}`, exitCodes.badInput);
    if (!found.agent.address || found.agent.port === null) return fail(`agent ${wanted} has no known address; pair by HOST:PORT`, exitCodes.unreachable);
    target = { host: found.agent.address, port: found.agent.port, fingerprint: found.agent.fingerprint };
  }
  const { pairWithAgent } = await import('../../core/lan/pair');
  const result = await pairWithAgent({ identity: coordinator.identity, host: target.host, port: target.port, code, expectedFingerprint: target.fingerprint, now: systemClock.now });
  if ('failure' in result) {
    const { kind, message } = result.failure;
    return fail(message, kind === 'unreachable' || kind === 'protocol' || kind === 'fingerprint' ? exitCodes.unreachable : exitCodes.badInput);
  }
  coordinator.trustAgent(result.agent);
  const { name, id, fingerprint } = result.agent;
  process.stdout.write(`paired with ${name} (id ${id}, fingerprint ${fingerprint})\n`);
  return exitCodes.success;
}

/** Browses until the agent is heard (or the wait is over); paired agents count with their last address. */
async function lookUp(wanted: string, waitMs: number, paired: TrustedPeer[]): Promise<{ agent: AgentListing } | { error: string }> {
  const [{ startDiscovery }, { findAgent, listAgents }] = await Promise.all([import('../../core/lan/discovery'), import('../../core/lan/agent-list')]);
  const discovery = startDiscovery({ now: systemClock.now, log: (line) => process.stderr.write(`farmhand: ${line}\n`) });
  const until = systemClock.now() + waitMs;
  let found = findAgent(listAgents(discovery.agents(), paired), wanted);
  while (!('agent' in found && found.agent.online) && systemClock.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    found = findAgent(listAgents(discovery.agents(), paired), wanted);
  }
  await discovery.close();
  return found;
}
