// An agent out of disk (issue #11), across namespaces (test/helpers/netns-lan): its state dir is an
// 8 MiB tmpfs. A job whose snapshot does not fit, and one whose outputs do not fit, fail with a
// message naming the agent and the disk; the agent goes on serving, and a next small job succeeds.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../helpers/cli';
import { createLan, namespacesOrSkip, runFarmhand, startAgentProcess, type AgentProcess, type Lan } from '../helpers/netns-lan';

const usable = namespacesOrSkip(__filename);

let lan: Lan;
let base: string;
let disk: string;
let mounted = false;
let agent: AgentProcess;

function project(name: string, pipeline: string, files: Record<string, string | Buffer> = {}): string {
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'farmhand.yml'), pipeline);
  for (const [path, content] of Object.entries(files)) writeFileSync(join(dir, path), content);
  return dir;
}

const run = (dir: string) => runFarmhand(['run', dir, '--no-local', '--no-cache', '--agent-wait', '10s', '--state-dir', join(base, 'coordinator')], lan.hosts[0], 40_000);

beforeAll(async () => {
  if (!usable) return;
  buildCli();
  base = mkdtempSync(join(tmpdir(), 'farmhand-lan-disk-'));
  disk = join(base, 'agent');
  mkdirSync(disk);
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', disk], { encoding: 'utf8' });
  expect(mount.status, mount.stderr).toBe(0);
  mounted = true;
  lan = createLan(2);
  agent = await startAgentProcess(['--state-dir', disk, '--name', 'disky', '--no-mdns-probe', '--slots', '1'], lan.hosts[1]);
  const paired = await runFarmhand(['pair', `${lan.hosts[1]!.address}:${agent.port}`, agent.code!, '--state-dir', join(base, 'coordinator')], lan.hosts[0]);
  expect(paired.code, paired.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  if (!usable) return;
  if (agent) expect(await agent.stop('SIGTERM')).toBe(0);
  lan?.close();
  if (mounted) spawnSync('umount', [disk]);
  rmSync(base, { recursive: true, force: true });
});

describe.skipIf(!usable)('a LAN agent out of disk', () => {
  it('fails a job whose snapshot does not fit, naming the agent and the disk', async () => {
    const dir = project('big-input', 'version: 1\nname: input\njobs:\n  j:\n    run: wc -c < input.bin\n', { 'input.bin': Buffer.alloc(12 << 20, 7) });
    const result = await run(dir);
    expect(result.code, `${result.stdout}\n${result.stderr}\nagent: ${agent.stderr()}`).not.toBe(0);
    const text = result.stdout + result.stderr;
    expect(text).toContain('no space left on device');
    expect(text).toContain(`on agent disky: disk full under ${disk}`);
    expect(agent.child.exitCode).toBeNull();
  }, 60_000);

  it('fails a job whose outputs do not fit, naming the agent and the disk', async () => {
    // 5 MB fits the workspace, but not a second time in the agent's blob cache.
    const dir = project('big-output', 'version: 1\nname: output\njobs:\n  j:\n    run: head -c 5000000 /dev/zero > out.bin\n    outputs: [out.bin]\n');
    const result = await run(dir);
    expect(result.code, `${result.stdout}\n${result.stderr}\nagent: ${agent.stderr()}`).not.toBe(0);
    const text = result.stdout + result.stderr;
    expect(text).toContain('could not keep outputs');
    expect(text).toContain(`on agent disky: disk full under ${disk}`);
  }, 60_000);

  it('goes on serving: a next small job succeeds on the same agent', async () => {
    const dir = project('small', 'version: 1\nname: small\njobs:\n  j:\n    run: tr a-z A-Z < in.txt > out.txt\n    outputs: [out.txt]\n', { 'in.txt': 'fits\n' });
    const result = await run(dir);
    expect(result.code, `${result.stdout}\n${result.stderr}\nagent: ${agent.stderr()}`).toBe(0);
    expect(spawnSync('cat', [join(dir, 'out.txt')], { encoding: 'utf8' }).stdout).toBe('FITS\n');
  }, 60_000);
});
