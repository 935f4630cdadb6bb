// Placement by data in a simulated LAN of namespaces (test/helpers/netns-lan): with two paired agents
// and free slots on both, a chain a -> b -> c stays on the agent that ran a, though the load-spreading
// rule alone would move b and c to the idler agent. The build runs on a terminal (a pty from
// util-linux `script`), whose live view lists each agent with its busy slots; so does a `farmhand
// run` that joins a `farmhand serve` to which the agents had attached before it started.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, farmhandBin } from '../helpers/cli';
import { namespacesOrSkip, createLan, runFarmhand, spawnFarmhand, startAgentProcess, type AgentProcess, type Lan } from '../helpers/netns-lan';

const usable = namespacesOrSkip(__filename);

let lan: Lan;
let base: string;
const agents: AgentProcess[] = [];
const project = () => join(base, 'project');
const coordinatorState = () => join(base, 'coordinator');

// `a` and `hold` are pinned to left, so when `a` ends left has 1 free slot and right 2: without
// placement by data, b would go to right. `probe` shows that right was online from the start.
const pipelines = `version: 1
name: chain
jobs:
  a:
    labels: [left]
    run: sleep 2 && mkdir -p out && echo a > out/a.txt
    outputs: [out/a.txt]
  b:
    needs: [a]
    run: mkdir -p out && cat out/a.txt > out/b.txt && echo b >> out/b.txt
    outputs: [out/b.txt]
  c:
    needs: [b]
    run: mkdir -p out && cat out/b.txt > out/c.txt && echo c >> out/c.txt
    outputs: [out/c.txt]
  hold:
    labels: [left]
    run: sleep 6
  probe:
    labels: [right]
    run: "true"
`;

beforeAll(async () => {
  if (!usable) return;
  buildCli();
  base = mkdtempSync(join(tmpdir(), 'farmhand-lan-placement-'));
  lan = createLan(3);
  const started = await Promise.allSettled(['left', 'right'].map((name, index) =>
    startAgentProcess(['--state-dir', join(base, name), '--name', name, '--labels', name, '--no-mdns-probe', '--slots', '2'], lan.hosts[index + 1])));
  for (const result of started) if (result.status === 'fulfilled') agents.push(result.value);
  for (const result of started) if (result.status === 'rejected') throw result.reason;
  for (const [index, agent] of agents.entries()) {
    const paired = await runFarmhand(['pair', `${lan.hosts[index + 1]!.address}:${agent.port}`, agent.code!, '--state-dir', coordinatorState()], lan.hosts[0]);
    expect(paired.code, paired.stderr).toBe(0);
  }
  mkdirSync(project(), { recursive: true });
  writeFileSync(join(project(), 'farmhand.yml'), pipelines);
}, 60_000);

/** `farmhand ...args` on a pty inside the coordinator's namespace; resolves with the screen text (colours and cursor codes removed). */
function runOnTerminal(args: string[], timeoutMs: number): Promise<string> {
  const command = `stty rows 40 cols 120; ${process.execPath} ${farmhandBin} ${args.join(' ')}; echo "exit=$?"`;
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.FARMHAND_NO_MDNS;
  const child = spawn('ip', ['netns', 'exec', lan.hosts[0]!.namespace, 'script', '-qfec', command, '/dev/null'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let screen = '';
  child.stdout.on('data', (data) => (screen += data));
  child.stderr.on('data', (data) => (screen += data));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => child.on('close', () => {
    clearTimeout(timer);
    // eslint-disable-next-line no-control-regex
    resolve(screen.replace(/\u001b\[[0-9;]*[A-Za-z]/g, ''));
  }));
}

afterAll(async () => {
  if (!usable) return;
  await Promise.all(agents.map((agent) => agent.stop('SIGTERM')));
  lan?.close();
  rmSync(base, { recursive: true, force: true });
});

describe.skipIf(!usable)('placement by data on LAN agents', () => {
  it('keeps a chain on the agent that holds its inputs while another agent is idler', async () => {
    const reportFile = join(base, 'report.json');
    const screen = await runOnTerminal(['run', project(), '--no-local', '--no-cache', '--agent-wait', '20s', '--state-dir', coordinatorState(), '--report', reportFile], 40_000);
    expect(screen, `${screen}\n${agents.map((agent) => agent.stderr()).join('\n')}`).toContain('exit=0');
    // While a (or b) and hold run on left: both its slots busy, and right listed beside it.
    expect(screen).toMatch(/^agents {2}.*left 2\/2 busy/m);
    expect(screen).toMatch(/^agents {2}.*right [0-2]\/2 busy/m);
    expect(screen).toMatch(/running +chain\/hold +\d+\.\ds {2}on left/);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { jobs: { id: string; agent: string }[]; transfer: { to_agents_bytes: number } };
    expect(Object.fromEntries(report.jobs.map((job) => [job.id, job.agent]))).toEqual({ 'chain/a': 'left', 'chain/b': 'left', 'chain/c': 'left', 'chain/hold': 'left', 'chain/probe': 'right' });
    expect(readFileSync(join(project(), 'out/c.txt'), 'utf8')).toBe('a\nb\nc\n');
    // Only the snapshot went out (farmhand.yml, to each agent): no output had to follow the chain.
    expect(report.transfer.to_agents_bytes).toBe(2 * pipelines.length);
  });

  it('a run joining a serve lists the agents attached before it, with their busy slots', async () => {
    const joined = join(base, 'joined');
    mkdirSync(joined, { recursive: true });
    writeFileSync(join(joined, 'farmhand.yml'), 'version: 1\nname: solo\njobs:\n  pinned:\n    labels: [left]\n    run: sleep 2\n');
    const serve = spawnFarmhand(['serve', '--state-dir', coordinatorState(), '--port', '0'], lan.hosts[0]);
    let served = '';
    serve.stdout!.on('data', (data) => (served += data));
    serve.stderr!.on('data', (data) => (served += data));
    const closed = new Promise((resolve) => serve.on('close', resolve));
    try {
      const url = await waitFor(() => /^farmhand serving (\S+)\/\?token=(\S+)$/m.exec(served), 15_000, () => served);
      // Both agents attached to serve before the run starts: the run hears of them only from GET /api/agents.
      const probe = `fetch('${url[1]}/api/agents', { headers: { authorization: 'Bearer ${url[2]}' } }).then((r) => r.json()).then((rows) => console.log(rows.filter((row) => row.online && row.id !== 'local').length))`;
      await waitFor(() => spawnSync('ip', ['netns', 'exec', lan.hosts[0]!.namespace, process.execPath, '-e', probe], { encoding: 'utf8' }).stdout.trim() === '2' || undefined, 15_000, () => served);
      const screen = await runOnTerminal(['run', joined, '--no-cache', '--state-dir', coordinatorState()], 40_000);
      expect(screen, `${screen}\n${served}`).toContain('exit=0');
      expect(screen).toMatch(/runs on the coordinator of this state dir \(farmhand serve/);
      expect(screen).toMatch(/^agents {2}.*left 1\/2 busy/m);
      expect(screen).toMatch(/^agents {2}.*right 0\/2 busy/m);
    } finally {
      serve.kill('SIGTERM');
      await closed;
    }
  });
});

/** Polls `check` every 50 ms until it gives a value; fails after `timeoutMs` with `context()`. */
async function waitFor<T>(check: () => T | undefined | null, timeoutMs: number, context: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting:\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
