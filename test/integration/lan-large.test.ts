// Large transfers to and from a LAN agent across namespaces (test/helpers/netns-lan): a project of
// 20,000 small files, whose manifest is far over the 1 MiB message limit, dispatches (the manifest
// travels in parts); a 200 MB output comes back byte for byte while the peak memory of both the agent
// and the coordinator stays well under the file's size (blobs stream in chunks with backpressure).
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../helpers/cli';
import { namespacesOrSkip, createLan, spawnFarmhand, runFarmhand, startAgentProcess, type AgentProcess, type Lan } from '../helpers/netns-lan';

const usable = namespacesOrSkip(__filename);
const fileCount = 20_000;
const bigBytes = 200_000_000;

let lan: Lan;
let base: string;
let agent: AgentProcess;
const project = () => join(base, 'project');
const coordinatorState = () => join(base, 'coordinator');

const pipelines = `version: 1
name: large
jobs:
  count:
    run: test "$(find src -type f | wc -l)" = "${fileCount}" && cat src/d17/f07777.txt > seen.txt
    outputs: [seen.txt]
  big:
    needs: [count]
    run: head -c ${bigBytes} /dev/urandom > big.bin
    outputs: [big.bin]
`;

/** Peak resident memory (VmHWM, bytes) of a live process, or 0 once it is gone. */
function peakMemory(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function sha256Of(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path).on('data', (data) => hash.update(data)).on('end', () => resolve(hash.digest('hex'))).on('error', reject);
  });
}

beforeAll(async () => {
  if (!usable) return;
  buildCli();
  base = mkdtempSync(join(tmpdir(), 'farmhand-lan-large-'));
  lan = createLan(2);
  agent = await startAgentProcess(['--state-dir', join(base, 'agent'), '--name', 'big', '--no-mdns-probe', '--slots', '1'], lan.hosts[1]);
  const paired = await runFarmhand(['pair', `${lan.hosts[1]!.address}:${agent.port}`, agent.code!, '--state-dir', coordinatorState()], lan.hosts[0]);
  expect(paired.code, paired.stderr).toBe(0);
  mkdirSync(project(), { recursive: true });
  writeFileSync(join(project(), 'farmhand.yml'), pipelines);
  for (let folder = 0; folder < 20; folder++) mkdirSync(join(project(), `src/d${folder}`), { recursive: true });
  for (let i = 0; i < fileCount; i++) writeFileSync(join(project(), `src/d${i % 20}/f${String(i).padStart(5, '0')}.txt`), `file ${i}\n`);
}, 60_000);

afterAll(async () => {
  if (!usable) return;
  await agent?.stop('SIGTERM');
  lan?.close();
  rmSync(base, { recursive: true, force: true });
});

describe.skipIf(!usable)('large transfers to a LAN agent', () => {
  it('dispatches a 20,000-file project and brings a 200 MB output back with bounded memory', async () => {
    const reportFile = join(base, 'report.json');
    const child = spawnFarmhand(['run', project(), '--no-local', '--no-cache', '--agent-wait', '20s', '--state-dir', coordinatorState(), '--report', reportFile], lan.hosts[0]);
    let output = '';
    child.stdout!.on('data', (data) => (output += data));
    child.stderr!.on('data', (data) => (output += data));
    let coordinatorPeak = 0;
    const sampler = setInterval(() => (coordinatorPeak = Math.max(coordinatorPeak, peakMemory(child.pid!))), 100);
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearInterval(sampler);
    clearTimeout(timer);
    expect(code, `${output}\nagent: ${agent.stderr()}`).toBe(0);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { status: string; transfer: { to_agents_bytes: number; from_agents_bytes: number } };
    expect(report.status).toBe('success');
    expect(readFileSync(join(project(), 'seen.txt'), 'utf8')).toBe('file 7777\n');
    const agentState = join(base, 'agent');
    const agentBlob = join(agentState, 'blobs', await sha256Of(join(project(), 'big.bin')));
    // The bytes that arrived are the bytes the agent wrote (it keeps the output in its cache).
    expect(readFileSync(agentBlob).length).toBe(bigBytes);
    expect(report.transfer.from_agents_bytes).toBe(bigBytes + 'file 7777\n'.length);
    const agentPeak = peakMemory(agent.child.pid!);
    console.log(`lan-large: agent peak RSS ${(agentPeak / 1e6).toFixed(0)} MB, coordinator peak RSS ${(coordinatorPeak / 1e6).toFixed(0)} MB for a ${bigBytes / 1e6} MB output and ${fileCount} files`);
    expect(agentPeak).toBeGreaterThan(0);
    expect(agentPeak).toBeLessThan(bigBytes * 0.75);
    expect(coordinatorPeak).toBeGreaterThan(0);
    expect(coordinatorPeak).toBeLessThan(bigBytes * 0.75);
  }, 60_000);
});
