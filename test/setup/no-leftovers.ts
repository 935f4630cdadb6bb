// A test file must stop what it started. After its tests, none of these may be left:
// - processes it started, directly or not: children and grandchildren, orphans re-parented to PID 1 (found
//   by an environment tag every process started from this one inherits), and the members of any process
//   group or session led by one of them (a detached shell worker, a job's background process);
// - containers with Farmhand labels whose owner was this process or a command it started;
// - TCP sockets this process listens on that were not open before the file's tests.
// Checked from /proc, so Linux only.
import childProcess from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { hostname } from 'node:os';
import { afterAll } from 'vitest';

const tagName = 'FARMHAND_TEST_LEAK_TAG';
const tag = `${process.pid}-${randomBytes(6).toString('hex')}`;
process.env[tagName] = tag;
const linux = existsSync('/proc/self/stat');

/** Pids of the processes this test process started (the owners a leftover container may name). */
const started = new Set<number>([process.pid]);
for (const name of ['spawn', 'execFile', 'exec', 'fork'] as const) {
  const original = childProcess[name] as (...args: unknown[]) => childProcess.ChildProcess;
  const recording = (...args: unknown[]) => {
    const child = original(...args);
    if (child.pid !== undefined) started.add(child.pid);
    return child;
  };
  // Keeps util.promisify's custom form of exec and execFile (it resolves { stdout, stderr }).
  for (const key of Object.getOwnPropertySymbols(original)) Object.defineProperty(recording, key, Object.getOwnPropertyDescriptor(original, key)!);
  (childProcess as unknown as Record<string, unknown>)[name] = recording;
}
syncBuiltinESMExports();

interface ProcessInfo {
  pid: number;
  state: string;
  ppid: number;
  group: number;
  session: number;
}

function readProcesses(): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state = '', ppid, group, session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      found.push({ pid: Number(entry), state, ppid: Number(ppid), group: Number(group), session: Number(session) });
    } catch {
      // exited while we looked
    }
  }
  return found;
}

function tagged(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`${tagName}=${tag}`);
  } catch {
    return false;
  }
}

function describeProcess(pid: number): string {
  try {
    return `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()}`;
  } catch {
    return `${pid}: (exited)`;
  }
}

/** Live processes this test process started, directly or not, or that share a group or session with one. */
function liveLeftovers(): string[] {
  const all = readProcesses().filter((info) => info.state !== 'Z' && info.state !== 'X' && info.pid !== process.pid);
  const byPid = new Map(all.map((info) => [info.pid, info]));
  const descends = (info: ProcessInfo): boolean => {
    for (let at: ProcessInfo | undefined = info, hops = 0; at && hops < 64; at = byPid.get(at.ppid), hops++) {
      if (at.ppid === process.pid) return true;
    }
    return false;
  };
  const ours = new Set(all.filter((info) => descends(info) || tagged(info.pid)).map((info) => info.pid));
  // A group or session led by one of ours holds ours too (a shell worker started with an empty environment).
  const leaders = new Set([...ours, ...started].filter((pid) => pid !== process.pid));
  for (const info of all) if (leaders.has(info.group) || leaders.has(info.session)) ours.add(info.pid);
  return [...ours].sort((a, b) => a - b).map(describeProcess);
}

/** Inodes of the TCP sockets this process listens on. */
function listeningSockets(): Set<string> {
  const listening = new Set<string>();
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A' && fields[9]) listening.add(fields[9]); // 0A: LISTEN; field 9: inode
    }
  }
  const mine = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
      if (inode && listening.has(inode)) mine.add(inode);
    } catch {
      // closed while we looked
    }
  }
  return mine;
}

const socketsBefore = linux ? listeningSockets() : new Set<string>();

/** Containers with Farmhand labels owned by this process or one it started (checked only when Docker answers). */
async function leftoverContainers(): Promise<string[]> {
  const { defaultDocker } = await import('../../agent/executors/docker-engine');
  const docker = defaultDocker();
  try {
    await Promise.race([docker.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer')), 1000).unref())]);
  } catch {
    return [];
  }
  const containers = await docker.listContainers({ all: true, filters: { label: ['farmhand.agent'] } });
  return containers
    .filter((info) => started.has(Number(info.Labels['farmhand.owner.pid'])) && info.Labels['farmhand.owner.host'] === hostname())
    .map((info) => `container ${info.Id.slice(0, 12)} (${info.Labels['farmhand.job'] ?? '?'}, ${info.State})`);
}

afterAll(async () => {
  if (!linux) return;
  const until = Date.now() + 3000;
  let left = liveLeftovers();
  while (left.length > 0 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = liveLeftovers();
  }
  const sockets = [...listeningSockets()].filter((inode) => !socketsBefore.has(inode)).map((inode) => `listening socket (inode ${inode})`);
  const containers = await leftoverContainers();
  const problems = [...left, ...sockets, ...containers];
  if (problems.length > 0) throw new Error(`left running by this test file:\n${problems.join('\n')}`);
});
