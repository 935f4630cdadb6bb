// Issue #11 with real processes in a simulated LAN of namespaces (test/helpers/netns-lan): the link of
// a paired agent is cut for 4 s while a 30 MB input file of its snapshot is being fetched, and while a
// 30 MB output comes back. Transfer messages are not resent after a cut; both ends ask again after a
// stall, so the job succeeds with one attempt and the files arrive whole.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../helpers/cli';
import { createLan, namespacesOrSkip, runFarmhand, startAgentProcess, type AgentProcess, type Lan } from '../helpers/netns-lan';

const usable = namespacesOrSkip(__filename);

let lan: Lan;
let base: string;
let agent: AgentProcess | undefined;
const project = () => join(base, 'project');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const input = randomBytes(30 * 1024 * 1024);

interface Report {
  build: string;
  status: string;
  jobs: { id: string; status: string; attempts: number }[];
}

function link(state: 'up' | 'down'): void {
  spawnSync('ip', ['-n', lan.hosts[1]!.namespace, 'link', 'set', 'eth0', state]);
  if (state === 'up') spawnSync('ip', ['-n', lan.hosts[1]!.namespace, 'route', 'replace', '224.0.0.0/4', 'dev', 'eth0']);
}

/** Whether a partly received file sits in `dir` (or under it). */
function partIn(dir: string): boolean {
  try {
    return readdirSync(dir, { recursive: true }).some((name) => String(name).endsWith('.part'));
  } catch {
    return false;
  }
}

/** Cuts the agent's link for 4 s as soon as a partly received file appears in `dir`; resolves whether it did. */
async function cutDuringTransfer(dir: string): Promise<boolean> {
  const start = Date.now();
  while (!partIn(dir)) {
    if (Date.now() - start > 30_000) return false;
    await sleep(2);
  }
  link('down');
  await sleep(4000);
  link('up');
  return true;
}

function startBuild(name: string, pipeline: string): Promise<Report & { context: string }> {
  writeFileSync(join(project(), 'farmhand.yml'), pipeline);
  const reportFile = join(base, `${name}.json`);
  return runFarmhand(['run', project(), '--no-local', '--no-cache', '--agent-wait', '30s', '--state-dir', join(base, 'coordinator'), '--report', reportFile], lan.hosts[0], 90_000).then((result) => {
    const context = `${result.stdout}\n${result.stderr}\nagent: ${agent?.stderr()}`;
    if (!existsSync(reportFile)) throw new Error(`no report (exit ${result.code}):\n${context}`);
    return { ...(JSON.parse(readFileSync(reportFile, 'utf8')) as Report), context };
  });
}

beforeAll(async () => {
  if (!usable) return;
  buildCli();
  base = mkdtempSync(join(tmpdir(), 'farmhand-lan-transfer-'));
  lan = createLan(2);
  agent = await startAgentProcess(['--state-dir', join(base, 'agent'), '--name', 'left', '--no-mdns-probe'], lan.hosts[1]!);
  const paired = await runFarmhand(['pair', `${lan.hosts[1]!.address}:${agent.port}`, agent.code!, '--state-dir', join(base, 'coordinator')], lan.hosts[0]);
  expect(paired.code, paired.stderr).toBe(0);
  mkdirSync(project(), { recursive: true });
  writeFileSync(join(project(), 'input.bin'), input);
}, 60_000);

afterAll(async () => {
  if (!usable) return;
  link('up');
  await agent?.stop('SIGTERM');
  lan?.close();
  rmSync(base, { recursive: true, force: true });
});

describe.skipIf(!usable)('LAN transfer cut', () => {
  it('a link cut for 4 s while a 30 MB input file is fetched: the job succeeds, one attempt', async () => {
    const building = startBuild('fetch', `version: 1
name: transfer
jobs:
  check:
    run: test "$(sha256sum input.bin | cut -c1-64)" = "${sha(input)}"
`);
    const cut = await cutDuringTransfer(join(base, 'agent', 'blobs'));
    const report = await building;
    expect(cut, report.context).toBe(true);
    expect(report.status, report.context).toBe('success');
    expect(report.jobs[0]).toMatchObject({ status: 'success', attempts: 1 });
  }, 90_000);

  it('a link cut for 4 s while a 30 MB output comes back: the job succeeds, one attempt, the output whole', async () => {
    const building = startBuild('outputs', `version: 1
name: transfer
jobs:
  copy:
    run: mkdir -p build && cp input.bin build/copy.bin
    outputs: ["build/**"]
`);
    const cut = await cutDuringTransfer(join(project(), 'build'));
    const report = await building;
    expect(cut, report.context).toBe(true);
    expect(report.status, report.context).toBe('success');
    expect(report.jobs[0]).toMatchObject({ status: 'success', attempts: 1 });
    expect(sha(readFileSync(join(project(), 'build', 'copy.bin')))).toBe(sha(input));
  }, 90_000);
});
