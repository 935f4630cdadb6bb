// Messages are validated on arrival: a malformed or foreign message is a one-line error, never a crash.
import type { AgentMessage, CoordinatorMessage } from './types';

type Check = (value: Record<string, unknown>) => string | undefined;

const isString = (v: unknown): v is string => typeof v === 'string';
const isInt = (v: unknown): v is number => Number.isInteger(v);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isSha = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
const shaList = (v: unknown) => Array.isArray(v) && v.length <= 100_000 && v.every(isSha);
const blobCheck: Check = (m) => (isSha(m.sha256) && isInt(m.offset) && (m.offset as number) >= 0 && isString(m.data) && typeof m.last === 'boolean' ? undefined : 'blob needs sha256, offset, data (base64) and last');
const isOutputFile = (v: unknown) =>
  isRecord(v) &&
  isString(v.path) &&
  isInt(v.size) &&
  (v.size as number) >= 0 &&
  isSha(v.sha256) &&
  isInt(v.mode) &&
  (v.link === undefined || isString(v.link)) &&
  (v.content === undefined || (v.content instanceof Uint8Array && v.content.length === v.size));

const isManifestEntry = (v: unknown) => isRecord(v) && isString(v.path) && isInt(v.mode) && isSha(v.sha256) && isInt(v.size) && (v.size as number) >= 0;
/** A result's optional outputs: a list of output files, or a problem sentence. */
const outcomeProblem = (outcome: Record<string, unknown>) =>
  (outcome.outputs === undefined || (Array.isArray(outcome.outputs) && outcome.outputs.every(isOutputFile))) && (outcome.outputsProblem === undefined || isString(outcome.outputsProblem))
    ? undefined
    : 'result outcome.outputs needs [{path, size, sha256, mode, link?}] and outcome.outputsProblem a string';

const agentChecks: Record<AgentMessage['type'], Check> = {
  hello: (m) => ((m.running === undefined || (Array.isArray(m.running) && m.running.every(isString))) && isInt(m.protocol) && isRecord(m.agent) && isString(m.agent.id) && isString(m.agent.name) && isInt(m.agent.slots) && (m.agent.queue === undefined || (isCount(m.agent.queue) && m.agent.queue <= 1024)) && Array.isArray(m.agent.pools) && Array.isArray(m.agent.labels) && Array.isArray(m.agent.executors) ? undefined : 'hello needs protocol and agent {id, name, pools, labels, slots, queue? (0-1024), executors}'),
  started: (m) => (isString(m.attempt) && isInt(m.at) ? undefined : 'started needs attempt and at'),
  log: (m) => (isString(m.attempt) && isInt(m.seq) && (m.stream === 'stdout' || m.stream === 'stderr') && isString(m.data) ? undefined : 'log needs attempt, seq, stream (stdout|stderr) and data'),
  result: (m) => (isString(m.attempt) && isRecord(m.outcome) && ['success', 'failed', 'canceled'].includes(m.outcome.status as string) ? outcomeProblem(m.outcome) : 'result needs attempt and outcome.status (success|failed|canceled)'),
  heartbeat: (m) => (Array.isArray(m.running) ? undefined : 'heartbeat needs running'),
  leaving: () => undefined,
  fetch: (m) => (isString(m.attempt) && shaList(m.blobs) ? undefined : 'fetch needs attempt and blobs (sha256 list)'),
  outputs: (m) => (isString(m.attempt) && Array.isArray(m.files) && m.files.every(isOutputFile) && (m.more === undefined || typeof m.more === 'boolean') ? undefined : 'outputs needs attempt and files [{path, size, sha256, mode, link?}]'),
  blob: blobCheck,
};

const coordinatorChecks: Record<CoordinatorMessage['type'], Check> = {
  welcome: (m) => (isInt(m.protocol) && isString(m.coordinator) && (m.acked === undefined || isCount(m.acked)) ? undefined : 'welcome needs protocol and coordinator (and acked, if any, a count)'),
  heartbeat: (m) => (isCount(m.acked) ? undefined : 'heartbeat needs acked (a count)'),
  assign: (m) => (isRecord(m.attempt) && isString(m.attempt.id) && Array.isArray(m.attempt.run) ? undefined : 'assign needs attempt {id, run, ...}'),
  cancel: (m) => (isString(m.attempt) ? undefined : 'cancel needs attempt'),
  want: (m) => (isString(m.attempt) && shaList(m.blobs) && (m.more === undefined || typeof m.more === 'boolean') ? undefined : 'want needs attempt and blobs (sha256 list)'),
  manifest: (m) => (isString(m.attempt) && Array.isArray(m.files) && m.files.length <= 100_000 && m.files.every(isManifestEntry) ? undefined : 'manifest needs attempt and files [{path, mode, sha256, size}]'),
  blob: blobCheck,
};

function validate<T>(value: unknown, checks: Record<string, Check>): { message: T } | { error: string } {
  if (!isRecord(value)) return { error: 'message is not an object' };
  const type = value.type;
  if (!isString(type) || !(type in checks)) return { error: `unknown message type ${JSON.stringify(type)} (expected one of ${Object.keys(checks).join(', ')})` };
  if (value.n !== undefined && !(isCount(value.n) && (value.n as number) > 0)) return { error: `${type} has an n that is not a positive count` };
  const problem = checks[type]!(value);
  return problem ? { error: problem } : { message: value as T };
}

/** Checks a message an agent sent. */
export function validateAgentMessage(value: unknown): { message: AgentMessage } | { error: string } {
  return validate<AgentMessage>(value, agentChecks);
}

/** Checks a message a coordinator sent. */
export function validateCoordinatorMessage(value: unknown): { message: CoordinatorMessage } | { error: string } {
  return validate<CoordinatorMessage>(value, coordinatorChecks);
}
