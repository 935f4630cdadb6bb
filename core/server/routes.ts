// The API's routes (../shared contract "The coordinator's HTTP API"): method + path pattern -> a
// handler that validates its input and asks the farm. Plain data in, status + JSON out.
import type { EventStream } from './event-stream';
import type { FarmApi } from './farm-api';

export interface ApiContext {
  events: EventStream;
  farm: FarmApi;
}

export interface ApiRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
}

export interface ApiReply {
  status: number;
  body?: unknown;
  raw?: { type: string; data: Buffer; disposition?: string };
}

type Handler = (context: ApiContext, request: ApiRequest) => ApiReply | Promise<ApiReply>;

const ok = (body: unknown, status = 200): ApiReply => ({ status, body });
const fail = (status: number, error: string): ApiReply => ({ status, body: { error } });

function field<T>(body: unknown, name: string, check: (value: unknown) => value is T): T | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return check(value) ? value : undefined;
}
const isString = (value: unknown): value is string => typeof value === 'string';
const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString);
const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';

function wholeNumber(query: URLSearchParams, name: string, fallback: number): number | undefined {
  const text = query.get(name);
  if (text === null) return fallback;
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

const routes: [string, string, Handler][] = [
  ['GET', '/api/hello', ({ farm }) => ok(farm.hello())],
  ['GET', '/api/projects', ({ farm }) => ok(farm.listProjects())],
  ['POST', '/api/projects', ({ farm }, { body }) => {
    const dir = field(body, 'dir', isString);
    if (!dir) return fail(400, 'POST /api/projects needs {"dir": "/path/to/project"}');
    const opened = farm.openProject(dir);
    return 'id' in opened ? ok(opened, 201) : fail(400, opened.error);
  }],
  ['GET', '/api/plan', ({ farm }, { query }) => {
    const project = query.get('project');
    if (!project) return fail(400, 'GET /api/plan needs ?project=ID');
    const plan = farm.plan(project, query.getAll('only'));
    return 'error' in plan ? fail(plan.status, plan.error) : ok(plan.body);
  }],
  ['POST', '/api/builds', async ({ farm }, { body }) => {
    const project = field(body, 'project', isString);
    const dir = field(body, 'dir', isString);
    const only = field(body, 'only', isStrings) ?? [];
    const noCache = field(body, 'no_cache', isBoolean) ?? false;
    const origin = field(body, 'origin', isString);
    if (!project && !dir) return fail(400, 'POST /api/builds needs {"project": ID} (or {"dir": path})');
    const started = await farm.startBuild({ project, dir, only, noCache, origin });
    return 'error' in started ? fail(started.status, started.error) : ok(started, 201);
  }],
  ['GET', '/api/builds', ({ farm }, { query }) => {
    const limit = wholeNumber(query, 'limit', 50);
    return limit === undefined ? fail(400, '?limit must be a whole number') : ok(farm.listBuilds(limit));
  }],
  ['GET', '/api/builds/:build', ({ farm }, { params }) => {
    const report = farm.report(params.build!);
    return report ? ok(report) : fail(404, `no build ${params.build}`);
  }],
  ['POST', '/api/builds/:build/cancel', ({ farm }, { params }) => {
    const canceled = farm.cancelBuild(params.build!);
    return canceled === 'unknown' ? fail(404, `no build ${params.build}`) : ok({ build: params.build, canceled: canceled === 'canceled' });
  }],
  ['POST', '/api/builds/:build/jobs/:job/retry', async ({ farm }, { params }) => {
    const retried = await farm.retryJob(params.build!, params.job!);
    return 'error' in retried ? fail(retried.status, retried.error) : ok(retried, 201);
  }],
  ['GET', '/api/builds/:build/jobs/:job/log', ({ farm }, { params, query }) => {
    const from = wholeNumber(query, 'from', 0);
    const limit = wholeNumber(query, 'limit', 5000);
    if (from === undefined || limit === undefined) return fail(400, '?from and ?limit must be whole numbers');
    const log = farm.log(params.build!, params.job!, from, Math.min(limit, 50_000));
    return log ? ok(log) : fail(404, `no job ${params.job} in build ${params.build}`);
  }],
  ['GET', '/api/builds/:build/jobs/:job/outputs', ({ farm }, { params }) => {
    const outputs = farm.outputs(params.build!, params.job!);
    return outputs ? ok(outputs) : fail(404, `no job ${params.job} in build ${params.build}`);
  }],
  ['GET', '/api/blobs/:sha', ({ farm }, { params, query }) => {
    if (!/^[0-9a-f]{64}$/.test(params.sha!)) return fail(400, 'a blob is named by its sha256 (64 hex digits)');
    const data = farm.blob(params.sha!);
    if (!data) return fail(404, `no blob ${params.sha}`);
    const name = (query.get('name') ?? params.sha!).replace(/[^A-Za-z0-9._-]/g, '_');
    return { status: 200, raw: { type: 'application/octet-stream', data, disposition: `attachment; filename="${name}"` } };
  }],
  ['GET', '/api/agents', ({ farm }) => ok(farm.agents())],
  ['POST', '/api/agents/pair', async ({ farm }, { body }) => {
    const agent = field(body, 'agent', isString);
    const code = field(body, 'code', isString);
    if (!agent || !code) return fail(400, 'POST /api/agents/pair needs {"agent", "code"}');
    const paired = await farm.pair(agent, code);
    return 'error' in paired ? fail(paired.status, paired.error) : ok(paired);
  }],
  ['GET', '/api/resource-groups', ({ farm }) => ok(farm.resourceGroups())],
];

const compiled = routes.map(([method, pattern, handler]) => {
  const names: string[] = [];
  const source = pattern.replace(/:(\w+)/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { method, regex: new RegExp(`^${source}$`), names, handler };
});

/** The route for a request, with its path parameters decoded; undefined when none matches. */
export function matchRoute(method: string, path: string): { handler: Handler; params: Record<string, string> } | undefined {
  for (const route of compiled) {
    if (route.method !== method) continue;
    const match = route.regex.exec(path);
    if (!match) continue;
    const params: Record<string, string> = {};
    try {
      route.names.forEach((name, index) => (params[name] = decodeURIComponent(match[index + 1]!)));
    } catch {
      return undefined;
    }
    return { handler: route.handler, params };
  }
  return undefined;
}
