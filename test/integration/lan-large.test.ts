// Large transfers to and from a LAN agent across namespaces (test/helpers/netns-lan): a project of
// 12,000 small files, whose manifest is far over the 1 MiB message limit, dispatches (the manifest
// travels in parts); a 200 MB output comes back byte for byte while the memory of both the agent and
// the coordinator stays well under the file's size (blobs stream in chunks with backpressure).
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../helpers/cli';
import { namespacesOrSkip, createLan, spawnFarmhand, runFarmhand, startAgentProcess, type AgentProcess, type Lan } from '../helpers/netns-lan';

const usable = namespacesOrSkip(__filename);
// Each manifest entry is about 120 bytes of JSON: 12,000 files make a manifest of about 1.4 MB.
const fileCount = 12_000;
const bigBytes = 200_000_000;

let lan: Lan;
let base: string;
let agent: AgentProcess;
const project = (name: string) => join(base, name);
const coordinatorState = () => join(base, 'coordinator');

const manyPipeline = `version: 1
name: many
jobs:
  count:
    run: test "$(find src -type f | wc -l)" = "${fileCount}" && cat src/d17/f07777.txt > seen.txt
    outputs: [seen.txt]
`;

const bigPipeline = `version: 1
name: big
jobs:
  make:
    run: head -c ${bigBytes} /dev/urandom > big.bin
    outputs: [big.bin]
`;

/** Resident memory (VmRSS, bytes) of a live process, or 0 once it is gone. */
function residentMemory(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
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
  for (let folder = 0; folder < 20; folder++) mkdirSync(join(project('many'), `src/d${folder}`), { recursive: true });
  writeFileSync(join(project('many'), 'farmhand.yml'), manyPipeline);
  for (let i = 0; i < fileCount; i++) writeFileSync(join(project('many'), `src/d${i % 20}/f${String(i).padStart(5, '0')}.txt`), `file ${i}\n`);
  mkdirSync(project('big'), { recursive: true });
  writeFileSync(join(project('big'), 'farmhand.yml'), bigPipeline);
}, 60_000);

afterAll(async () => {
  if (!usable) return;
  await agent?.stop('SIGTERM');
  lan?.close();
  rmSync(base, { recursive: true, force: true });
});

interface Report {
  status: string;
  transfer: { to_agents_bytes: number; from_agents_bytes: number };
}

/** Runs a build from the coordinator's namespace, sampling the peak resident memory of it and of the agent. */
async function runBuild(name: string): Promise<{ report: Report; coordinatorPeak: number; agentPeak: number; agentBefore: number }> {
  const reportFile = join(base, `${name}.json`);
  const child = spawnFarmhand(['run', project(name), '--no-local', '--no-cache', '--agent-wait', '20s', '--state-dir', coordinatorState(), '--report', reportFile], lan.hosts[0]);
  let output = '';
  child.stdout!.on('data', (data) => (output += data));
  child.stderr!.on('data', (data) => (output += data));
  const agentBefore = residentMemory(agent.child.pid!);
  let coordinatorPeak = 0;
  let agentPeak = 0;
  const sampler = setInterval(() => {
    coordinatorPeak = Math.max(coordinatorPeak, residentMemory(child.pid!));
    agentPeak = Math.max(agentPeak, residentMemory(agent.child.pid!));
  }, 50);
  const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(sampler);
  clearTimeout(timer);
  expect(code, `${output}\nagent: ${agent.stderr()}`).toBe(0);
  return { report: JSON.parse(readFileSync(reportFile, 'utf8')) as Report, coordinatorPeak, agentPeak, agentBefore };
}

describe.skipIf(!usable)('large transfers to a LAN agent', () => {
  it(`dispatches a project of ${fileCount} files (its manifest is far over the message limit)`, async () => {
    const { report } = await runBuild('many');
    expect(report.status).toBe('success');
    expect(readFileSync(join(project('many'), 'seen.txt'), 'utf8')).toBe('file 7777\n');
    expect(report.transfer.to_agents_bytes).toBeGreaterThan(fileCount * 'file 0\n'.length);
    expect(report.transfer.from_agents_bytes).toBe('file 7777\n'.length);
    // What one assign would have carried: well over the 1 MiB message limit.
    const manifest = Array.from({ length: fileCount }, (_, i) => ({ path: `src/d${i % 20}/f${String(i).padStart(5, '0')}.txt`, mode: 420, sha256: 'f'.repeat(64), size: 10 }));
    expect(JSON.stringify(manifest).length).toBeGreaterThan(1 << 20);
  }, 60_000);

  it('brings a 200 MB output back byte for byte, with memory bounded on both sides', async () => {
    const { report, coordinatorPeak, agentPeak, agentBefore } = await runBuild('big');
    expect(report.status).toBe('success');
    // The bytes that arrived are the bytes the agent wrote (it keeps the output in its cache, named by its hash).
    const arrived = join(project('big'), 'big.bin');
    expect(readFileSync(join(base, 'agent', 'blobs', await sha256Of(arrived))).length).toBe(bigBytes);
    expect(report.transfer.from_agents_bytes).toBe(bigBytes);
    console.log(`lan-large: ${bigBytes / 1e6} MB output: agent RSS ${(agentBefore / 1e6).toFixed(0)} -> peak ${(agentPeak / 1e6).toFixed(0)} MB, coordinator peak RSS ${(coordinatorPeak / 1e6).toFixed(0)} MB`);
    expect(agentPeak).toBeGreaterThan(0);
    // Read whole and sent at once (as before), the output alone would add well over its size.
    expect(agentPeak - agentBefore).toBeLessThan(bigBytes * 0.75);
    expect(coordinatorPeak).toBeGreaterThan(0);
    expect(coordinatorPeak).toBeLessThan(bigBytes * 0.75);
  }, 60_000);
});
