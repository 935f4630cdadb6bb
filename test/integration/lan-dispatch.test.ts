// Builds fanned out to paired LAN agents in a simulated LAN of namespaces (test/helpers/netns-lan):
// a coordinator host running `farmhand run --no-local` and two agents, each its own process and
// state dir. A cross-pipeline fan-in where a job on one agent consumes another agent's output, the
// outputs landing in the project folder, and a second build after one file of many changed moving
// only that file (counted in the report's transfer bytes).
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../helpers/cli';
import { namespacesOrSkip, createLan, runFarmhand, startAgentProcess, type AgentProcess, type Lan } from '../helpers/netns-lan';

const usable = namespacesOrSkip(__filename);

let lan: Lan;
let base: string;
let left: AgentProcess;
let right: AgentProcess;
const project = () => join(base, 'project');
const coordinatorState = () => join(base, 'coordinator');

const pipelines = `version: 1
name: gen
labels: [left]
jobs:
  make:
    run: mkdir -p out && tr a-z A-Z < src/input.txt > out/gen.txt && test -f src/many/f017.txt
    outputs: [out/gen.txt]
  side:
    run: mkdir -p out && wc -c < src/many/f100.txt | tr -d ' ' > out/side.txt
    outputs: [out/side.txt]
---
version: 1
name: use
labels: [right]
jobs:
  consume:
    needs: [gen/make]
    run:
      - mkdir -p out
      - cat out/gen.txt src/input.txt > out/final.txt
      - test ! -e out/side.txt || { echo "side.txt is not an input of consume" >&2; exit 1; }
    outputs: [out/final.txt]
`;

function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  return total;
}

interface Report {
  status: string;
  jobs: { id: string; status: string; agent: string | null; reason: string | null }[];
  transfer: { to_agents_bytes: number; from_agents_bytes: number };
}

async function runBuild(name: string): Promise<Report> {
  const reportFile = join(base, `${name}.json`);
  const result = await runFarmhand(['run', project(), '--no-local', '--no-cache', '--agent-wait', '20s', '--state-dir', coordinatorState(), '--report', reportFile], lan.hosts[0], 30_000);
  expect(result.code, `${result.stdout}\n${result.stderr}\nleft: ${left.stderr()}\nright: ${right.stderr()}`).toBe(0);
  return JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
}

beforeAll(async () => {
  if (!usable) return;
  buildCli();
  base = mkdtempSync(join(tmpdir(), 'farmhand-lan-dispatch-'));
  lan = createLan(3);
  const common = ['--no-mdns-probe', '--slots', '2'];
  const started = await Promise.allSettled([
    startAgentProcess(['--state-dir', join(base, 'left'), '--name', 'left', '--labels', 'left', ...common], lan.hosts[1]),
    startAgentProcess(['--state-dir', join(base, 'right'), '--name', 'right', '--labels', 'right', ...common], lan.hosts[2]),
  ]);
  const [first, second] = started.map((result) => (result.status === 'fulfilled' ? result.value : undefined));
  left = first as AgentProcess;
  right = second as AgentProcess;
  for (const result of started) if (result.status === 'rejected') throw result.reason;
  for (const [agent, host] of [[left, lan.hosts[1]!], [right, lan.hosts[2]!]] as const) {
    const paired = await runFarmhand(['pair', `${host.address}:${agent.port}`, agent.code!, '--state-dir', coordinatorState()], lan.hosts[0]);
    expect(paired.code, paired.stderr).toBe(0);
  }
  mkdirSync(join(project(), 'src/many'), { recursive: true });
  writeFileSync(join(project(), 'farmhand.yml'), pipelines);
  writeFileSync(join(project(), 'src/input.txt'), 'hello\n');
  for (let i = 0; i < 200; i++) writeFileSync(join(project(), `src/many/f${String(i).padStart(3, '0')}.txt`), randomBytes(1024).toString('hex'));
}, 60_000);

afterAll(async () => {
  if (!usable) return;
  await Promise.all([left?.stop('SIGTERM'), right?.stop('SIGTERM')]);
  lan?.close();
  rmSync(base, { recursive: true, force: true });
});

describe.skipIf(!usable)('builds dispatched to LAN agents', () => {
  it('fans out over two agents; a job on one consumes the other agent\'s output; outputs land in the project folder', async () => {
    const sourceBytes = bytesUnder(project());
    const report = await runBuild('first');
    expect(report.status).toBe('success');
    const agents = Object.fromEntries(report.jobs.map((job) => [job.id, job.agent]));
    expect(agents).toEqual({ 'gen/make': 'left', 'gen/side': 'left', 'use/consume': 'right' });
    expect(readFileSync(join(project(), 'out/gen.txt'), 'utf8')).toBe('HELLO\n');
    expect(readFileSync(join(project(), 'out/side.txt'), 'utf8')).toBe('2048\n');
    expect(readFileSync(join(project(), 'out/final.txt'), 'utf8')).toBe('HELLO\nhello\n');
    // Each agent fetched every source once (two jobs on `left` share one fetch); `right` also got gen.txt, and nothing else.
    expect(report.transfer.to_agents_bytes).toBe(2 * sourceBytes + 'HELLO\n'.length);
    expect(report.transfer.from_agents_bytes).toBe('HELLO\n'.length + '2048\n'.length + 'HELLO\nhello\n'.length);
    // Workspaces are removed after their build; the blobs stay in the agent's cache.
    expect(readdirSync(join(base, 'left', 'workspaces'))).toEqual([]);
    expect(readdirSync(join(base, 'left', 'blobs')).length).toBeGreaterThan(200);
  });

  it('a second build after one file of 201 changed moves only that file, once to each agent', async () => {
    const changed = randomBytes(1024).toString('hex');
    writeFileSync(join(project(), 'src/many/f017.txt'), changed);
    const report = await runBuild('second');
    expect(report.status).toBe('success');
    expect(report.transfer).toEqual({ to_agents_bytes: 2 * changed.length, from_agents_bytes: 0 });
    expect(readFileSync(join(project(), 'out/final.txt'), 'utf8')).toBe('HELLO\nhello\n');
  });

  it('an agent that comes online during a build joins it (re-dialed with backoff)', async () => {
    expect(await right.stop('SIGTERM')).toBe(0);
    writeFileSync(join(project(), 'src/input.txt'), 'again\n');
    const building = runBuild('rejoin');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    right = await startAgentProcess(['--state-dir', join(base, 'right'), '--name', 'right', '--labels', 'right', '--no-pairing', '--no-mdns-probe', '--slots', '2'], lan.hosts[2]);
    const report = await building;
    expect(report.status).toBe('success');
    expect(report.jobs.find((job) => job.id === 'use/consume')?.agent).toBe('right');
    expect(readFileSync(join(project(), 'out/final.txt'), 'utf8')).toBe('AGAIN\nagain\n');
  });
});
