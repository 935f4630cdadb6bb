// The coordinator's end of a LAN agent, between the wss channel and coordinator.attachAgent: an
// assignment leaves with a snapshot of the project instead of a path on this disk; the agent's
// fetches are answered with the blobs of that snapshot only; a success's output files come back
// (only the blobs the artifact store lacks), are stored and written into the project folder before
// the result reaches the coordinator, with the checked list of outputs in it (outcome.outputs).
import { lstatSync, mkdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BlobReceiver, type BlobSink, filesProblem, inParts, manifestParts, retryStalled, sendBlob } from '../protocol/transfer';
import type { AgentMessage, AttemptSpec, Channel, CoordinatorMessage, OutputFile } from '../protocol/types';
import type { ArtifactStore } from '../store/types';
import { matchFiles } from '../coordinator/outputs';
import { fileSink, fileSource } from './blob-files';
import type { SnapshotScope, Snapshotter } from './snapshot';

export type TransferDirection = 'to_agents_bytes' | 'from_agents_bytes';

export interface RemoteSessionOptions {
  channel: Channel<AgentMessage, CoordinatorMessage>;
  snapshots: Snapshotter;
  artifacts: ArtifactStore;
  count(build: string, direction: TransferDirection, bytes: number): void;
  log(line: string): void;
  /** Which outputs an attempt's snapshot leaves out and which it places (from the build's plan); all files when undefined. */
  scope?(build: string, members: string[]): SnapshotScope | undefined;
  /** Largest output file accepted (default 16 GiB). */
  maxFileBytes?: number;
  /** An attempt a previous coordinator of this state dir assigned (its build and folder), whose outputs are still taken. */
  adopt?(attempt: string): { build: string; root: string } | undefined;
  /** A want is sent again when no output blob chunk arrived for this long (default 3 s: a cut drops them). */
  stallMs?: number;
  /** The outputs are refused when no output blob byte arrived for this long (default 5 minutes). */
  giveUpMs?: number;
}

type Received = { ok: true } | { error: string };

interface RemoteAttempt {
  build: string;
  root: string;
  sources: Map<string, string>;
  /** Set once the agent listed its outputs: resolves with a problem, or undefined when all are in place. */
  outputs?: Promise<string | undefined>;
  /** The output files the agent listed and this session checked: what the coordinator is told. */
  files?: OutputFile[];
}

/** Wraps a LAN agent's channel for coordinator.attachAgent. */
export function remoteSession(options: RemoteSessionOptions): Channel<AgentMessage, CoordinatorMessage> {
  const { channel, artifacts, log } = options;
  const maxFileBytes = options.maxFileBytes ?? 16 * 1024 ** 3;
  const attempts = new Map<string, RemoteAttempt>();
  const receiver = new BlobReceiver();
  const handlers: ((message: AgentMessage) => void)[] = [];
  const deliver = (message: AgentMessage) => handlers.forEach((handler) => handler(message));

  async function assign(spec: AttemptSpec): Promise<void> {
    if (spec.workspace.kind !== 'local') return channel.send({ type: 'assign', attempt: spec });
    const root = spec.workspace.root;
    const scope = options.scope?.(spec.build, spec.batch?.members ?? [spec.job]);
    let keep: ((path: string) => boolean) | undefined;
    if (scope) {
      const outputs = new Set(matchFiles(root, scope.allOutputs));
      const placed = new Set(matchFiles(root, scope.neededOutputs));
      keep = (path) => !outputs.has(path) || placed.has(path);
    }
    let snapshot;
    try {
      snapshot = await options.snapshots.take(root, keep);
    } catch (error) {
      const text = `could not take the snapshot of ${root}: ${error instanceof Error ? error.message : String(error)}`;
      return deliver({ type: 'result', attempt: spec.id, outcome: { status: 'failed', reason: 'error', message: text } });
    }
    attempts.set(spec.id, { build: spec.build, root, sources: snapshot.sources });
    // A large manifest travels in parts ahead of its assign, each well under the message limit.
    const parts = manifestParts(snapshot.files);
    const last = parts.pop()!;
    for (const files of parts) channel.send({ type: 'manifest', attempt: spec.id, files });
    channel.send({ type: 'assign', attempt: { ...spec, workspace: { kind: 'snapshot', files: last } } });
  }

  /** Fetches are served one after another, each blob streamed from disk at the pace of the socket. */
  let serving = Promise.resolve();
  function serveFetch(attemptId: string, blobs: string[]): void {
    serving = serving.then(() => streamBlobs(attemptId, blobs));
  }

  async function streamBlobs(attemptId: string, blobs: string[]): Promise<void> {
    const attempt = attempts.get(attemptId);
    if (!attempt) return log(`refused a fetch for attempt ${attemptId}: not assigned to this agent`);
    let count = 0;
    for (const sha256 of new Set(blobs)) {
      // Let the loop breathe between small blobs too (heartbeats, other agents' messages).
      if (++count % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
      const source = attempt.sources.get(sha256);
      if (!source) {
        log(`refused a fetch of blob ${sha256.slice(0, 16)}: not in the snapshot of ${attemptId}`);
        continue;
      }
      let sent = 0;
      try {
        sent = await sendBlob(channel, sha256, statSync(source).size, fileSource(source));
      } catch (error) {
        log(`could not read ${source} for ${attemptId}: ${error instanceof Error ? error.message : String(error)}`);
        // The agent finds the blob short and fails the attempt with a reason.
        channel.send({ type: 'blob', sha256, offset: 0, data: '', last: true });
      }
      options.count(attempt.build, 'to_agents_bytes', sent);
    }
  }

  /** Refuses a destination whose folders pass through a symbolic link (or a file). */
  function checkedDestination(root: string, path: string): string {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const folder = join(root, ...parts.slice(0, i));
      const stat = lstatSync(folder, { throwIfNoEntry: false });
      if (stat && !stat.isDirectory()) throw new Error(`output ${path} passes through ${stat.isSymbolicLink() ? 'the symbolic link' : 'the file'} ${parts.slice(0, i).join('/')}`);
    }
    mkdirSync(join(root, ...parts.slice(0, -1)), { recursive: true });
    const destination = join(root, path);
    if (lstatSync(destination, { throwIfNoEntry: false })?.isSymbolicLink()) rmSync(destination);
    return destination;
  }

  async function placeOutput(attempt: RemoteAttempt, file: OutputFile, wanted: Promise<Received> | undefined): Promise<void> {
    if (file.link !== undefined) {
      const destination = checkedDestination(attempt.root, file.path);
      rmSync(destination, { force: true, recursive: false });
      symlinkSync(file.link, destination);
      return;
    }
    if (!wanted) return void artifacts.restore(file, checkedDestination(attempt.root, file.path));
    const received = await wanted;
    if ('error' in received) throw new Error(received.error);
    options.count(attempt.build, 'from_agents_bytes', file.size);
    await artifacts.putDescribed(join(attempt.root, file.path), file);
  }

  function takeOutputs(attemptId: string, files: OutputFile[]): void {
    const attempt = attempts.get(attemptId);
    if (!attempt) return log(`ignored outputs for attempt ${attemptId}: not assigned to this agent`);
    attempt.outputs = receiveOutputs(attempt, attemptId, files);
  }

  /** Asks for the blobs the store lacks and places every output; resolves with a problem, or undefined. */
  async function receiveOutputs(attempt: RemoteAttempt, attemptId: string, files: OutputFile[]): Promise<string | undefined> {
    const problem = filesProblem(files, maxFileBytes);
    if (problem) {
      log(`refused the outputs of ${attemptId}: ${problem}`);
      sendWant(attemptId, []);
      return `outputs refused: ${problem}`;
    }
    attempt.files = files;
    const wanted = new Map<string, Promise<Received>>();
    const asked: string[] = [];
    let count = 0;
    for (const file of files) {
      // Thousands of outputs: let the loop breathe (heartbeats, other agents).
      if (++count % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
      if (file.link !== undefined || artifacts.has(file.sha256) || wanted.has(file.sha256)) continue;
      if (receiver.isExpected(file.sha256)) {
        wanted.set(file.sha256, Promise.resolve({ error: `blob ${file.sha256.slice(0, 16)} is already on its way for another attempt` }));
        continue;
      }
      // Streamed straight to where the file goes (memory stays bounded whatever its size).
      let sink: BlobSink;
      try {
        sink = fileSink(checkedDestination(attempt.root, file.path), file.mode);
      } catch (error) {
        wanted.set(file.sha256, Promise.resolve({ error: error instanceof Error ? error.message : String(error) }));
        continue;
      }
      wanted.set(file.sha256, receiver.expect(file.sha256, file.size, sink));
      asked.push(file.sha256);
    }
    sendWant(attemptId, [...wanted.keys()]);
    // Wants and blob chunks are not resent after a cut: ask again for what stalls (the agent answers every want).
    const giveUpMs = options.giveUpMs ?? 300_000;
    const stop = retryStalled(receiver, asked, {
      stallMs: options.stallMs ?? 3000,
      giveUpMs,
      ask: (blobs) => {
        log(`asked ${attemptId} again for ${blobs.length} output blob(s): none arrived for a while`);
        sendWant(attemptId, blobs);
      },
      reason: `output blobs of ${attemptId} stopped arriving for ${Math.round(giveUpMs / 1000)} s`,
    });
    try {
      // Files sharing a blob: the first one received is written, the rest restored from the store.
      for (const file of files) {
        const pending = wanted.get(file.sha256);
        wanted.delete(file.sha256);
        await placeOutput(attempt, file, pending);
      }
      return undefined;
    } catch (error) {
      return `outputs refused: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      stop();
      // After a refused output, the blobs still expected are dropped (their partial files removed).
      for (const sha256 of asked) receiver.cancel(sha256, 'outputs refused');
    }
  }

  /** The blobs wanted, in parts under the message limit (10,000 ids each). */
  function sendWant(attemptId: string, blobs: string[]): void {
    const parts = inParts(blobs, 10_000);
    parts.forEach((part, index) => channel.send({ type: 'want', attempt: attemptId, blobs: part, ...(index < parts.length - 1 ? { more: true } : {}) }));
  }

  /** Attempts whose result arrived and waits for their outputs. */
  const holding = new Set<string>();

  /** Output lists arriving in parts, kept until the last (bounded like the agent's manifests). */
  const listed = new Map<string, OutputFile[]>();
  function takeOutputsPart(attemptId: string, files: OutputFile[], more: boolean | undefined): void {
    const parts = listed.get(attemptId) ?? [];
    listed.delete(attemptId);
    // An attempt a coordinator that stopped assigned (recorded in the store): its outputs are still taken.
    const adopted = attempts.has(attemptId) ? undefined : options.adopt?.(attemptId);
    if (adopted) attempts.set(attemptId, { ...adopted, sources: new Map() });
    if (!attempts.has(attemptId)) return log(`ignored outputs for attempt ${attemptId}: not assigned to this agent`);
    if (parts.length + files.length > 1_000_000) {
      log(`refused the outputs of ${attemptId}: over 1,000,000 files`);
      attempts.get(attemptId)!.outputs = Promise.resolve('outputs refused: over 1,000,000 files');
      return sendWant(attemptId, []);
    }
    for (const file of files) parts.push(file);
    if (more) return void listed.set(attemptId, parts);
    takeOutputs(attemptId, parts);
  }

  channel.onMessage((message) => {
    if (message.type === 'fetch') return serveFetch(message.attempt, message.blobs);
    if (message.type === 'outputs') return takeOutputsPart(message.attempt, message.files, message.more);
    if (message.type === 'blob') {
      const problem = receiver.take(message);
      if (problem) log(`refused a blob chunk: ${problem}`);
      return;
    }
    if (message.type === 'result') {
      const attempt = attempts.get(message.attempt);
      attempts.delete(message.attempt);
      // The coordinator is told only the outputs this session checked and placed, never a list carried in the result.
      const told = { ...message, outcome: { ...message.outcome, outputs: attempt?.files } };
      if (!attempt?.outputs || told.outcome.status !== 'success') return deliver(told);
      holding.add(message.attempt);
      void attempt.outputs.then((problem) => {
        holding.delete(message.attempt);
        if (problem) log(`${message.attempt}: ${problem}`);
        deliver(problem ? { ...message, outcome: { status: 'failed', reason: 'error', message: problem } } : told);
      });
      return;
    }
    // A result held here until its outputs arrive is acknowledged to the agent, which stops listing
    // it; it still runs as far as the coordinator knows (output blobs asked again after a cut).
    if ((message.type === 'heartbeat' || message.type === 'hello') && holding.size > 0) return deliver({ ...message, running: [...new Set([...(message.running ?? []), ...holding])] });
    deliver(message);
  });
  channel.onClose(() => receiver.abandon('the agent disconnected'));

  return {
    send(message) {
      if (message.type === 'assign') return void assign(message.attempt);
      channel.send(message);
    },
    onMessage: (handler) => void handlers.push(handler),
    onClose: (handler) => channel.onClose(handler),
    close: () => channel.close(),
  };
}
