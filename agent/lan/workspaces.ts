// The LAN agent's side of transfers, as a wrapper around its channel: a snapshot assignment is placed
// in the attempt's own folder (workspace-folders.ts) first: the manifest is checked (relative paths
// only, no `..`, nothing through a link or a file), the blobs the cache lacks are fetched over the same
// channel and checked against their announced size and sha256, and each file is copied from the
// cache. After a success the outputs are listed to the coordinator, the blobs it wants are sent, and
// only then the result; the folder is removed once the result went out.
import { join } from 'node:path';
import { BlobReceiver, filesProblem, inParts, manifestParts, retryStalled, sendBlob } from '../../core/protocol/transfer';
import type { AgentMessage, AttemptSpec, Channel, CoordinatorMessage, ManifestEntry, OutputFile } from '../../core/protocol/types';
import type { BlobCache } from './blob-cache';
import { fileSource, place, type Workspaces } from './workspace-folders';

/** Largest snapshot file accepted (16 GiB): anything announced larger is refused. */
const maxFileBytes = 16 * 1024 ** 3;

/** Snapshot entries a connection may hold in `manifest` parts before their `assign` (a bound on memory). */
const maxPendingEntries = 1_000_000;

/** Blob ids per `fetch` message (64-character hashes: about 670 KB, under the message limit). */
const fetchPart = 10_000;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** How long outputs stay listed after their result went out: a want repeated after a cut is still answered. */
const keepListedMs = 10 * 60_000;

/** Outputs listed to the coordinator: every want for them is answered, one after another. */
interface ListedOutputs {
  sources: Map<string, string>;
  sizes: Map<string, number>;
  /** Blob ids of a want arriving in parts. */
  parts: string[];
  serving: Promise<void>;
  /** Settles the wait before the result (the first answer's problem; later calls do nothing). */
  answered(problem: string | undefined): void;
  resultAt?: number;
}

export interface WorkspaceChannelOptions {
  channel: Channel<CoordinatorMessage, AgentMessage>;
  workspaces: Workspaces;
  cache: BlobCache;
  log(line: string): void;
  /** Named in failures caused by this machine (a full disk): the agent and the folder its state lives in. */
  agentName?: string;
  stateDir?: string;
  /** A fetch is sent again when no blob chunk arrived for this long (default 3 s: a cut connection drops them). */
  stallMs?: number;
  /** A snapshot fails when no blob byte arrived for this long (default 5 minutes). */
  giveUpMs?: number;
}

/** The agent's end of a connection, with workspaces placed before assignments and outputs sent before results. */
export function withWorkspaces(options: WorkspaceChannelOptions): Channel<CoordinatorMessage, AgentMessage> {
  const { channel, workspaces, cache, log } = options;
  const receiver = new BlobReceiver();
  const inFlight = new Map<string, Promise<{ ok: true } | { error: string }>>();
  const manifests = new Map<string, ManifestEntry[]>();
  const overflowed = new Set<string>();
  let pendingEntries = 0;
  /** A reason that names this agent, and its disk when the disk is full. */
  const onThisAgent = (text: string) => {
    const full = /ENOSPC|EDQUOT|no space left|quota exceeded/i.test(text);
    const where = options.agentName ? `on agent ${options.agentName}` : 'on the agent';
    return full ? `${text} (${where}: disk full under ${options.stateDir ?? 'its state dir'})` : text;
  };
  const assigned = new Map<string, AttemptSpec>();
  const listed = new Map<string, ListedOutputs>();
  /** Forgets outputs whose result went out long ago (no later want can be for them). */
  const forgetOld = () => {
    for (const [attempt, entry] of listed) if (entry.resultAt !== undefined && Date.now() - entry.resultAt > keepListedMs) listed.delete(attempt);
  };
  const handlers: ((message: CoordinatorMessage) => void)[] = [];
  const deliver = (message: CoordinatorMessage) => handlers.forEach((handler) => handler(message));
  const refuse = (attempt: string, message: string) => {
    log(`refused attempt ${attempt}: ${message}`);
    workspaces.release(attempt);
    channel.send({ type: 'result', attempt, outcome: { status: 'failed', reason: 'error', message } });
  };

  async function placeSnapshot(spec: AttemptSpec, files: ManifestEntry[]): Promise<void> {
    const problem = filesProblem(files, maxFileBytes);
    if (problem) return refuse(spec.id, `snapshot refused: ${problem}`);
    const missing = new Map<string, number>();
    for (const file of files) if (!cache.has(file.sha256) && !inFlight.has(file.sha256)) missing.set(file.sha256, file.size);
    for (const [sha256, size] of missing) {
      let arriving: Promise<{ ok: true } | { error: string }>;
      try {
        arriving = receiver.expect(sha256, size, cache.writer(sha256), () => cache.writer(sha256));
      } catch (error) {
        arriving = Promise.resolve({ error: `blob ${sha256.slice(0, 16)} could not be stored: ${messageOf(error)}` });
      }
      inFlight.set(sha256, arriving);
      void arriving.finally(() => inFlight.delete(sha256));
    }
    const waits = [...new Set(files.map((file) => inFlight.get(file.sha256)).filter((wait) => wait !== undefined))];
    const fetch = (wanted: string[]) => {
      for (const blobs of inParts(wanted, fetchPart)) channel.send({ type: 'fetch', attempt: spec.id, blobs });
    };
    if (missing.size > 0) fetch([...missing.keys()]);
    // Fetches and blob chunks are not resent after a cut: ask again for what stalls (idempotent).
    const where = options.agentName ? `agent ${options.agentName}` : 'the agent';
    const stop = retryStalled(receiver, [...missing.keys()], {
      stallMs: options.stallMs ?? 3000,
      giveUpMs: options.giveUpMs ?? 300_000,
      ask: (blobs) => {
        log(`asked again for ${blobs.length} snapshot blob(s) of ${spec.id}: none arrived for a while`);
        fetch(blobs);
      },
      reason: `snapshot blobs stopped arriving at ${where} for ${Math.round((options.giveUpMs ?? 300_000) / 1000)} s`,
    });
    const results = await Promise.all(waits).finally(stop);
    for (const received of results) if ('error' in received) return refuse(spec.id, onThisAgent(`snapshot blob refused: ${received.error}`));
    let root: string;
    try {
      root = workspaces.prepare(spec.id);
      await place(root, files, cache);
    } catch (error) {
      return refuse(spec.id, onThisAgent(`snapshot refused: ${messageOf(error)}`));
    }
    const local: AttemptSpec = { ...spec, workspace: { kind: 'local', root } };
    assigned.set(spec.id, local);
    deliver({ type: 'assign', attempt: local });
  }

  /** Sends the outputs the agent described (and the blobs the coordinator wants), before the result; a problem, or undefined. */
  async function sendOutputs(attempt: string, root: string, files: OutputFile[]): Promise<string | undefined> {
    const sources = new Map<string, string>();
    for (const file of files) if (file.link === undefined) sources.set(file.sha256, join(root, file.path));
    try {
      // Kept here too: the next job of a chain on this agent finds its inputs without a transfer.
      let count = 0;
      for (const [sha256, source] of sources) {
        if (++count % 128 === 0) await new Promise((resolve) => setImmediate(resolve));
        cache.putFile(sha256, source);
      }
    } catch (error) {
      return onThisAgent(`could not keep outputs: ${messageOf(error)}`);
    }
    // A long list travels in parts; the coordinator answers with the blobs it lacks, in parts too.
    let answered!: (problem: string | undefined) => void;
    const first = new Promise<string | undefined>((resolve) => (answered = resolve));
    listed.set(attempt, { sources, sizes: new Map(files.map((file) => [file.sha256, file.size])), parts: [], serving: Promise.resolve(), answered });
    const parts = manifestParts(files);
    parts.forEach((part, index) => channel.send({ type: 'outputs', attempt, files: part, ...(index < parts.length - 1 ? { more: true } : {}) }));
    return first;
  }

  /** Sends the blobs of one want (every want is answered: a repeated one follows a cut); a problem, or undefined. */
  async function answerWant(attempt: string, entry: ListedOutputs, blobs: string[]): Promise<string | undefined> {
    let sent = 0;
    for (const sha256 of new Set(blobs)) {
      if (++sent % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
      // Once the result went out the workspace is gone: the copy kept in the cache is sent.
      const source = entry.resultAt === undefined ? entry.sources.get(sha256) : entry.sources.has(sha256) && cache.has(sha256) ? cache.use(sha256) : undefined;
      if (!source) {
        log(`the coordinator wants blob ${sha256.slice(0, 16)}, which is not an output of ${attempt}${entry.resultAt === undefined ? '' : ' kept here'}`);
        continue;
      }
      try {
        await sendBlob(channel, sha256, entry.sizes.get(sha256)!, fileSource(source));
      } catch (error) {
        return `could not send output blob ${sha256.slice(0, 16)}: ${messageOf(error)}`;
      }
    }
    return undefined;
  }

  channel.onMessage((message) => {
    if (message.type === 'blob') {
      const problem = receiver.take(message);
      if (problem) log(`refused a blob chunk: ${problem}`);
    } else if (message.type === 'want') {
      forgetOld();
      const entry = listed.get(message.attempt);
      if (!entry) return log(`ignored a want for ${message.attempt}: no outputs listed for it`);
      for (const blob of message.blobs) entry.parts.push(blob);
      if (message.more) return;
      const blobs = entry.parts;
      entry.parts = [];
      const answering = entry.serving.then(() => answerWant(message.attempt, entry, blobs)).catch((error: unknown) => `could not send outputs: ${messageOf(error)}`);
      entry.serving = answering.then(() => {});
      void answering.then((problem) => entry.answered(problem));
    } else if (message.type === 'manifest') {
      // A part of a large manifest: kept until its assign (bounded, so a peer cannot fill memory).
      pendingEntries += message.files.length;
      if (pendingEntries > maxPendingEntries) {
        overflowed.add(message.attempt);
        pendingEntries -= message.files.length;
        return log(`refused a manifest part for ${message.attempt}: over ${maxPendingEntries} pending entries`);
      }
      const parts = manifests.get(message.attempt) ?? [];
      for (const file of message.files) parts.push(file);
      manifests.set(message.attempt, parts);
    } else if (message.type === 'assign' && message.attempt.workspace.kind === 'snapshot') {
      const id = message.attempt.id;
      const parts = manifests.get(id) ?? [];
      manifests.delete(id);
      pendingEntries -= parts.length;
      if (overflowed.delete(id)) return refuse(id, `snapshot refused: its manifest is over ${maxPendingEntries} entries`);
      for (const file of message.attempt.workspace.files) parts.push(file);
      void placeSnapshot(message.attempt, parts);
    } else if (message.type === 'assign') {
      // A coordinator that sends a path on its own disk: run in an empty folder here.
      const root = workspaces.prepare(message.attempt.id);
      deliver({ ...message, attempt: { ...message.attempt, workspace: { kind: 'local', root } } });
    } else deliver(message);
  });
  channel.onClose(() => {
    receiver.abandon('the coordinator disconnected');
    manifests.clear();
    for (const entry of listed.values()) entry.answered(undefined);
    listed.clear();
  });

  return {
    send(message) {
      if (message.type !== 'result') return channel.send(message);
      const spec = assigned.get(message.attempt);
      assigned.delete(message.attempt);
      const root = spec?.workspace.kind === 'local' ? spec.workspace.root : undefined;
      // The outputs travel in their own message (with their blobs), not in the result.
      const { outputs, outputsProblem, ...outcome } = message.outcome;
      if (!spec || !root || outcome.status !== 'success' || spec.outputs.length === 0) {
        channel.send({ ...message, outcome });
        return workspaces.release(message.attempt);
      }
      if (outputsProblem !== undefined || outputs === undefined) {
        // The coordinator fails the job with the reason, as for a job run on its own disk.
        channel.send({ ...message, outcome: { ...outcome, outputsProblem: outputsProblem ?? 'the agent did not describe them' } });
        return workspaces.release(message.attempt);
      }
      sendOutputs(message.attempt, root, outputs).then(
        (problem) => channel.send(problem ? { ...message, outcome: { status: 'failed', reason: 'error', message: problem } } : { ...message, outcome }),
        (error: unknown) => channel.send({ ...message, outcome: { status: 'failed', reason: 'error', message: `could not send outputs: ${error instanceof Error ? error.message : String(error)}` } }),
      ).finally(() => {
        const entry = listed.get(message.attempt);
        if (entry) entry.resultAt = Date.now();
        workspaces.release(message.attempt);
      });
    },
    onMessage: (handler) => void handlers.push(handler),
    onClose: (handler) => channel.onClose(handler),
    close: () => channel.close(),
  };
}
