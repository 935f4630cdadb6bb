// An agent's own settings (agent.yml): how it isolates jobs and what their containers may use.
// The machine's owner decides these, not the project: a project cannot give itself the host network
// or run its image jobs as plain processes on someone else's machine.
import { parseDocument } from 'yaml';

export type Isolation = 'docker' | 'shell';

export interface AgentConfig {
  /** How jobs with an `image` run: in Docker (default) or, on a trusted machine, as plain processes. */
  isolation: Isolation;
  /** Per pool, overriding `isolation`. */
  pools: Record<string, { isolation: Isolation }>;
  /** Whether jobs without an image may run as plain processes here (default true). */
  allowShell: boolean;
  docker: {
    network: 'none' | 'bridge' | 'host';
    user?: string;
    memoryBytes?: number;
    nanoCpus?: number;
    pidsLimit?: number;
  };
}

export const defaultAgentConfig: AgentConfig = { isolation: 'docker', pools: {}, allowShell: true, docker: { network: 'none' } };

type Result = { config: AgentConfig } | { error: string };

const sizeUnits: Record<string, number> = { '': 1, b: 1, k: 2 ** 10, kb: 2 ** 10, m: 2 ** 20, mb: 2 ** 20, g: 2 ** 30, gb: 2 ** 30 };

/** Bytes from `512m`, `2g`, `1048576`; undefined when it is not a size. */
export function parseSize(value: unknown): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(String(value).trim());
  const unit = match ? sizeUnits[(match[2] ?? '').toLowerCase()] : undefined;
  return match && unit ? Math.round(Number(match[1]) * unit) : undefined;
}

/** Parses agent.yml text; every problem is one line naming the file, line and key. */
export function parseAgentConfig(text: string, file: string): Result {
  const document = parseDocument(text, { prettyErrors: false });
  if (document.errors.length > 0) {
    const error = document.errors[0]!;
    const [line, col] = error.linePos?.[0] ? [error.linePos[0].line, error.linePos[0].col] : [1, 1];
    return { error: `${file}:${line}:${col}: ${error.message.split('\n')[0]}` };
  }
  const raw: unknown = document.toJS() ?? {};
  const at = (path: (string | number)[], which: 'key' | 'value' = 'value') => {
    let node = document.getIn(path, true) as { range?: [number, number] } | undefined;
    if (which === 'key') {
      // The key itself, for a setting that should not be there.
      type MapNode = { items?: { key?: { value?: unknown; range?: [number, number] } }[] } | null | undefined;
      const map = (path.length === 1 ? document.contents : document.getIn(path.slice(0, -1), true)) as MapNode;
      node = map?.items?.find((item) => item.key?.value === path[path.length - 1])?.key ?? node;
    }
    const offset = node?.range?.[0] ?? 0;
    const before = text.slice(0, offset).split('\n');
    return `${file}:${before.length}:${(before[before.length - 1]?.length ?? 0) + 1}`;
  };
  if (typeof raw !== 'object' || Array.isArray(raw) || raw === null) return { error: `${file}:1:1: expected a map of settings (isolation, allow_shell, pools, docker)` };
  const config: AgentConfig = structuredClone(defaultAgentConfig);
  const isIsolation = (value: unknown): value is Isolation => value === 'docker' || value === 'shell';
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (key === 'isolation') {
      if (!isIsolation(value)) return { error: `${at([key])}: isolation must be docker or shell` };
      config.isolation = value;
    } else if (key === 'allow_shell') {
      if (typeof value !== 'boolean') return { error: `${at([key])}: allow_shell must be true or false` };
      config.allowShell = value;
    } else if (key === 'pools') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: `${at([key])}: pools must map pool names to { isolation }` };
      for (const [pool, settings] of Object.entries(value as Record<string, unknown>)) {
        const isolation = (settings as { isolation?: unknown } | null)?.isolation;
        if (!isIsolation(isolation)) return { error: `${at([key, pool])}: pools.${pool}.isolation must be docker or shell` };
        config.pools[pool] = { isolation };
      }
    } else if (key === 'docker') {
      const problem = readDocker(value, config, (sub, which) => at([key, sub], which));
      if (problem) return { error: problem };
    } else {
      return { error: `${at([key], 'key')}: unknown setting \`${key}\` (expected isolation, allow_shell, pools or docker)` };
    }
  }
  return { config };
}

function readDocker(value: unknown, config: AgentConfig, at: (key: string, which?: 'key' | 'value') => string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${at('')}: docker must be a map (network, user, memory, cpus, pids)`;
  for (const [key, setting] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'network') {
      if (setting !== 'none' && setting !== 'bridge' && setting !== 'host') return `${at(key)}: docker.network must be none, bridge or host`;
      config.docker.network = setting;
    } else if (key === 'user') {
      if (typeof setting !== 'string' && typeof setting !== 'number') return `${at(key)}: docker.user must be a user name or uid:gid`;
      config.docker.user = String(setting);
    } else if (key === 'memory') {
      const bytes = parseSize(setting);
      if (!bytes || bytes < 4 * 2 ** 20) return `${at(key)}: docker.memory must be a size of at least 4m, like 512m or 2g`;
      config.docker.memoryBytes = bytes;
    } else if (key === 'cpus') {
      if (typeof setting !== 'number' || !(setting > 0)) return `${at(key)}: docker.cpus must be a number above 0, like 1.5`;
      config.docker.nanoCpus = Math.round(setting * 1e9);
    } else if (key === 'pids') {
      if (!Number.isInteger(setting) || (setting as number) < 1) return `${at(key)}: docker.pids must be a whole number above 0`;
      config.docker.pidsLimit = setting as number;
    } else {
      return `${at(key, 'key')}: unknown docker setting \`${key}\` (expected network, user, memory, cpus or pids)`;
    }
  }
  return undefined;
}

/** How this agent runs a job: by its image and pool, under this config. */
export function isolationFor(config: AgentConfig, job: { image?: string; pool?: string }): Isolation | 'refused' {
  if (!job.image) return config.allowShell ? 'shell' : 'refused';
  return (job.pool !== undefined ? config.pools[job.pool]?.isolation : undefined) ?? config.isolation;
}
