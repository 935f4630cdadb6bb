// `farmhand agents`: browse the LAN for agents for --wait seconds and list them with the paired ones.
import { type Command, InvalidArgumentError } from 'commander';
import { openCoordinatorIdentity, readPairedAgents } from '../../core/lan/coordinator-identity';
import type { AgentListing } from '../../core/protocol/lan';
import type { TrustedPeer } from '../../core/protocol/lan-identity';
import { resolveStateDir } from '../../core/store/state-dir';
import { oneLine } from '../../agent/executors/messages';
import { systemClock } from '../clock';
import { exitCodes } from '../exit-codes';

interface AgentsFlags {
  stateDir?: string;
  json: boolean;
  wait: number;
}

/** Parses a number of seconds for --wait. */
export function seconds(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0 || number > 3600) throw new InvalidArgumentError(`expected seconds from 0 to 3600, got "${value}"`);
  return number;
}

/** Registers `farmhand agents`. */
export function registerAgents(program: Command): void {
  program
    .command('agents')
    .description('list agents seen on the LAN and paired with this coordinator')
    .option('--state-dir <dir>', 'where the coordinator identity lives (env FARMHAND_STATE_DIR)')
    .option('--json', 'print JSON', false)
    .option('--wait <seconds>', 'how long to listen on the LAN', seconds, 2)
    .action(async (flags: AgentsFlags) => {
      let paired: TrustedPeer[];
      try {
        paired = readPairedAgents(resolveStateDir(flags.stateDir, process.env));
      } catch (error) {
        process.stderr.write(`farmhand agents: cannot read the paired agents: ${oneLine(error)}\n`);
        return void (process.exitCode = exitCodes.badInput);
      }
      const stateDir = resolveStateDir(flags.stateDir, process.env);
      const listings = await probeUnheard(stateDir, await browse(flags.wait * 1000, paired));
      if (flags.json) process.stdout.write(`${JSON.stringify(listings, null, 2)}\n`);
      else printTable(listings);
    });
}

/** Listens for `waitMs`, then merges what was heard with the paired agents. */
export async function browse(waitMs: number, paired: TrustedPeer[]): Promise<AgentListing[]> {
  // Loaded on use: mDNS code stays out of every other command's start-up.
  const [{ startDiscovery }, { listAgents }] = await Promise.all([import('../../core/lan/discovery'), import('../../core/lan/agent-list')]);
  const discovery = startDiscovery({ now: systemClock.now, log: (line) => process.stderr.write(`farmhand: ${line}\n`) });
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  const listings = listAgents(discovery.agents(), paired);
  await discovery.close();
  return listings;
}

/**
 * A paired agent not heard on the LAN (started with --no-mdns, or multicast does not pass) may still
 * answer at its last address: dial it, pinned, to tell online from offline.
 */
async function probeUnheard(stateDir: string, listings: AgentListing[]): Promise<AgentListing[]> {
  const unheard = listings.filter((agent) => agent.paired && !agent.online && agent.address && agent.port !== null);
  if (unheard.length === 0) return listings;
  const { identity } = await openCoordinatorIdentity(stateDir);
  const { dialAgent } = await import('../../core/lan/dial');
  await Promise.all(
    unheard.map(async (agent) => {
      const result = await dialAgent({ identity, host: agent.address!, port: agent.port!, path: '/ws', fingerprint: agent.fingerprint, timeoutMs: 1500 });
      if (!('dialed' in result)) return;
      agent.online = true;
      agent.last_seen = systemClock.now();
      await new Promise((resolve) => {
        result.dialed.ws.once('close', resolve);
        result.dialed.ws.close(1000, 'checked');
      });
    }),
  );
  return listings;
}

function printTable(listings: AgentListing[]): void {
  if (listings.length === 0) return void process.stdout.write('no agents seen on the LAN and none paired\n');
  for (const agent of listings) {
    const state = `${agent.paired ? 'paired' : 'not paired'}, ${agent.online ? 'online' : 'offline'}`;
    const where = agent.address ? `${agent.address}:${agent.port}` : '-';
    const slots = agent.slots === null ? '' : `  ${agent.busy ?? 0}/${agent.slots} busy  pools ${agent.pools.join(',') || '-'}`;
    process.stdout.write(`${agent.name}  ${agent.id}  ${where}  ${state}${slots}  fingerprint ${agent.fingerprint.slice(0, 16)}\n`);
    if (agent.warning) process.stdout.write(`  warning: ${agent.warning}\n`);
  }
}
