// `farmhand serve` as a real process: the token guards every route and the event stream; builds
// start, stream events with sequence numbers, replay from `since`, and their logs and outputs read back.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildCli, farmhandBin, tempProject, type TempProject } from '../helpers/cli';

let project: TempProject;
let serve: ChildProcess;
let base = '';
let token = '';
let output = '';

const spec = `version: 1
name: app
jobs:
  build:
    inputs: [src]
    run: ["mkdir -p out", "printf '\\\\033[31mred\\\\033[0m line\\\\n'", "cp src/a.txt out/a.txt"]
    outputs: [out/a.txt]
  slow:
    run: ["sleep 20"]
`;

beforeAll(async () => {
  buildCli();
  project = tempProject({ 'farmhand.yml': spec, 'src/a.txt': 'hello\n' });
  serve = spawn('node', [farmhandBin, 'serve', project.dir, '--port', '0', '--state-dir', project.stateDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  serve.stdout!.on('data', (data) => (output += data));
  serve.stderr!.on('data', (data) => (output += data));
  const deadline = Date.now() + 20_000;
  while (!/farmhand serving (\S+)/.test(output)) {
    if (Date.now() > deadline || serve.exitCode !== null) throw new Error(`serve did not start: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const url = new URL(/farmhand serving (\S+)/.exec(output)![1]!);
  token = url.searchParams.get('token')!;
  base = `${url.protocol}//${url.host}`;
});

afterAll(async () => {
  if (serve.exitCode === null) {
    serve.kill('SIGTERM');
    await new Promise((resolve) => serve.once('close', resolve));
  }
  project.close();
});

const api = async (path: string, init: RequestInit = {}, withToken = true) => {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (withToken) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${base}${path}`, { ...init, headers });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & unknown[] };
};

const eventsSince = (since?: number) =>
  new Promise<{ socket: WebSocket; batches: { seq: number; events: { type: string; build?: string; job?: string; state?: string }[] }[] }>((resolve, reject) => {
    const socket = new WebSocket(`${base.replace('http', 'ws')}/api/events${since === undefined ? '' : `?since=${since}`}`, { headers: { authorization: `Bearer ${token}` } });
    const batches: { seq: number; events: [] }[] = [];
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.hello) resolve({ socket, batches });
      else batches.push(message);
    });
    socket.on('error', reject);
  });

const until = async (condition: () => boolean, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

describe('farmhand serve', () => {
  it('listens on loopback and refuses every API route and the event stream without the token', async () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const path of ['/api/builds', '/api/projects', '/api/agents', '/api/resource-groups', '/api/builds/b-0001']) {
      const reply = await api(path, {}, false);
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ error: expect.stringMatching(/token/) });
    }
    expect((await fetch(`${base}/api/builds`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const refused = await new Promise<string>((resolve) => {
      const socket = new WebSocket(`${base.replace('http', 'ws')}/api/events`);
      socket.on('unexpected-response', (_request, response) => resolve(String(response.statusCode)));
      socket.on('error', (error) => resolve(error.message));
    });
    expect(refused).toMatch(/401/);
  });

  it('sets a cookie from /?token= that then authorizes the API', async () => {
    const response = await fetch(`${base}/?token=${token}`, { redirect: 'manual' });
    expect(response.status).toBe(303);
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/farmhand_token=.*HttpOnly/);
    const withCookie = await fetch(`${base}/api/projects`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(withCookie.status).toBe(200);
    expect(await withCookie.json()).toEqual([expect.objectContaining({ dir: project.dir, name: 'project' })]);
  });

  it('starts a build, streams its events with sequence numbers, and replays them from since', async () => {
    const { socket, batches } = await eventsSince();
    const projects = (await api('/api/projects')).body as unknown as { id: string }[];
    const started = await api('/api/builds', { method: 'POST', body: JSON.stringify({ project: projects[0]!.id, only: ['app/build'] }) });
    expect(started.status).toBe(201);
    const build = (started.body as unknown as { build: string }).build;
    const all = () => batches.flatMap((batch) => batch.events);
    await until(() => all().some((event) => event.type === 'build' && event.build === build && event.state === 'success'));
    socket.close();
    const seqs = batches.map((batch) => batch.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(all().filter((event) => event.type === 'job' && event.job === 'app/build').map((event) => event.state)).toEqual(['queued', 'running', 'success']);

    const firstSeq = seqs[0]! - batches[0]!.events.length;
    const replay = await eventsSince(firstSeq);
    await until(() => replay.batches.length > 0);
    replay.socket.close();
    expect(replay.batches.flatMap((batch) => batch.events)).toEqual(all());

    const report = (await api(`/api/builds/${build}`)).body as unknown as { status: string; jobs: { id: string; needs: string[] }[] };
    expect(report.status).toBe('success');
    expect(report.jobs.map((job) => job.id)).toEqual(['app/build']);
    const log = (await api(`/api/builds/${build}/jobs/${encodeURIComponent('app/build')}/log?from=0`)).body as unknown as { lines: { seq: number; text: string }[]; next: number };
    expect(log.lines.map((line) => line.text).join('')).toContain('\u001b[31mred\u001b[0m line');
    expect(log.next).toBe(log.lines.at(-1)!.seq);
    const outputs = (await api(`/api/builds/${build}/jobs/${encodeURIComponent('app/build')}/outputs`)).body as unknown as { path: string; size: number; sha256: string }[];
    expect(outputs).toEqual([expect.objectContaining({ path: 'out/a.txt', size: 6 })]);
    const download = await fetch(`${base}/api/blobs/${outputs[0]!.sha256}?name=a.txt`, { headers: { authorization: `Bearer ${token}` } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="a.txt"');
    expect(await download.text()).toBe('hello\n');
    expect((await fetch(`${base}/api/blobs/${'0'.repeat(64)}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
  });

  it('cancels a running build through the API', async () => {
    const started = await api('/api/builds', { method: 'POST', body: JSON.stringify({ dir: project.dir, only: ['app/slow'] }) });
    const build = (started.body as unknown as { build: string }).build;
    let state = '';
    await until(() => {
      void api(`/api/builds/${build}`).then((reply) => (state = ((reply.body as unknown as { jobs: { status: string }[] }).jobs[0]!.status)));
      return state === 'running';
    });
    const canceled = await api(`/api/builds/${build}/cancel`, { method: 'POST' });
    expect(canceled.body).toEqual({ build, canceled: true });
    await until(() => {
      void api(`/api/builds/${build}`).then((reply) => (state = (reply.body as unknown as { status: string }).status));
      return state === 'canceled';
    });
  });

  it('answers bad requests with one-sentence errors', async () => {
    expect(await api('/api/builds', { method: 'POST', body: '{not json' })).toEqual({ status: 400, body: { error: expect.stringMatching(/not JSON/) } });
    expect(await api('/api/builds', { method: 'POST', body: '{}' })).toEqual({ status: 400, body: { error: expect.stringMatching(/needs/) } });
    expect((await api('/api/builds/b-9999')).status).toBe(404);
    expect((await api('/api/nothing')).status).toBe(404);
    expect((await api('/api/builds?limit=abc')).status).toBe(400);
    expect((await api('/api/blobs/xyz')).status).toBe(400);
    const broken = await api('/api/projects', { method: 'POST', body: JSON.stringify({ dir: '/nonexistent/farmhand-project' }) });
    expect(broken.status).toBe(400);
  });
});
