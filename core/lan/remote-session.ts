// The coordinator's end of a LAN agent, between the wss channel and coordinator.attachAgent: an
// assignment leaves with a snapshot of the project instead of a path on this disk; the agent's
// fetches are answered with the blobs of that snapshot only; a success's output files come back
// (only the blobs the artifact store lacks), are stored and written into the project folder before
// the result reaches the coordinator, with the checked list of outputs in it (outcome.outputs).
import { lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { lanDefaults } from '../protocol/lan';
import { blobChunks, BlobReceiver, filesProblem } from '../protocol/transfer';
import type { AgentMessage, AttemptSpec, Channel, CoordinatorMessage, OutputFile } from '../protocol/types';
import type { ArtifactStore } from '../store/types';
import { matchFiles } from '../coordinator/outputs';
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
}

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

  function assign(spec: AttemptSpec): void {
    if (spec.workspace.kind !== 'local') return channel.send({ type: 'assign', attempt: spec });
    const root = spec.workspace.root;
    const scope = options.scope?.(spec.build, spec.batch?.members ?? [spec.job]);
    let keep: ((path: string) => boolean) | undefined;
    if (scope) {
      const outputs = new Set(matchFiles(root, scope.allOutputs));
      const placed = new Set(matchFiles(root, scope.neededOutputs));
      keep = (path) => !outputs.has(path) || placed.has(path);
    }
    const snapshot = options.snapshots.take(root, keep);
    attempts.set(spec.id, { build: spec.build, root, sources: snapshot.sources });
    const message: CoordinatorMessage = { type: 'assign', attempt: { ...spec, workspace: { kind: 'snapshot', files: snapshot.files } } };
    const bytes = Buffer.byteLength(JSON.stringify(message));
    if (bytes > lanDefaults.messageLimitBytes) {
      attempts.delete(spec.id);
      const text = `the snapshot of ${snapshot.files.length} files (${bytes} bytes of manifest) is over the ${lanDefaults.messageLimitBytes}-byte message limit`;
      queueMicrotask(() => deliver({ type: 'result', attempt: spec.id, outcome: { status: 'failed', reason: 'error', message: text } }));
      return;
    }
    channel.send(message);
  }

  function serveFetch(attemptId: string, blobs: string[]): void {
    const attempt = attempts.get(attemptId);
    if (!attempt) return log(`refused a fetch for attempt ${attemptId}: not assigned to this agent`);
    for (const sha256 of new Set(blobs)) {
      const source = attempt.sources.get(sha256);
      if (!source) {
        log(`refused a fetch of blob ${sha256.slice(0, 16)}: not in the snapshot of ${attemptId}`);
        continue;
      }
      let bytes: Buffer;
      try {
        bytes = readFileSync(source);
      } catch (error) {
        log(`could not read ${source} for ${attemptId}: ${error instanceof Error ? error.message : String(error)}`);
        bytes = Buffer.alloc(0); // the agent finds the hash wrong and fails the attempt with a reason
      }
      for (const chunk of blobChunks(sha256, bytes)) channel.send(chunk);
      options.count(attempt.build, 'to_agents_bytes', bytes.length);
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

  async function placeOutput(attempt: RemoteAttempt, file: OutputFile, wanted: Promise<{ bytes: Buffer } | { error: string }> | undefined): Promise<void> {
    if (file.link !== undefined) {
      const destination = checkedDestination(attempt.root, file.path);
      rmSync(destination, { force: true, recursive: false });
      symlinkSync(file.link, destination);
      return;
    }
    if (!wanted) return void artifacts.restore(file, checkedDestination(attempt.root, file.path));
    const received = await wanted;
    if ('error' in received) throw new Error(received.error);
    options.count(attempt.build, 'from_agents_bytes', received.bytes.length);
    const destination = checkedDestination(attempt.root, file.path);
    writeFileSync(destination, received.bytes, { mode: file.mode & 0o777 });
    chmodSync(destination, file.mode & 0o777);
    await artifacts.putDescribed(destination, file, received.bytes.length < lanDefaults.messageLimitBytes ? received.bytes : undefined);
  }

  function takeOutputs(attemptId: string, files: OutputFile[]): void {
    const adopted = attempts.has(attemptId) ? undefined : options.adopt?.(attemptId);
    if (adopted) attempts.set(attemptId, { ...adopted, sources: new Map() });
    const attempt = attempts.get(attemptId);
    if (!attempt) return log(`ignored outputs for attempt ${attemptId}: not assigned to this agent`);
    const problem = filesProblem(files, maxFileBytes);
    if (problem) {
      log(`refused the outputs of ${attemptId}: ${problem}`);
      attempt.outputs = Promise.resolve(`outputs refused: ${problem}`);
      return channel.send({ type: 'want', attempt: attemptId, blobs: [] });
    }
    attempt.files = files;
    const wanted = new Map<string, Promise<{ bytes: Buffer } | { error: string }>>();
    for (const file of files) {
      if (file.link !== undefined || artifacts.has(file.sha256) || wanted.has(file.sha256)) continue;
      wanted.set(file.sha256, receiver.isExpected(file.sha256) ? Promise.resolve({ error: `blob ${file.sha256.slice(0, 16)} is already on its way for another attempt` }) : receiver.expect(file.sha256, file.size));
    }
    const blobs = [...wanted.keys()];
    // Files sharing a blob: the first one received is written, the rest restored from the store.
    const placed = (async () => {
      for (const file of files) {
        const pending = wanted.get(file.sha256);
        wanted.delete(file.sha256);
        await placeOutput(attempt, file, pending);
      }
    })();
    attempt.outputs = placed.then(
      () => undefined,
      (error: unknown) => `outputs refused: ${error instanceof Error ? error.message : String(error)}`,
    );
    channel.send({ type: 'want', attempt: attemptId, blobs });
  }

  channel.onMessage((message) => {
    if (message.type === 'fetch') return serveFetch(message.attempt, message.blobs);
    if (message.type === 'outputs') return takeOutputs(message.attempt, message.files);
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
      void attempt.outputs.then((problem) => {
        if (problem) log(`${message.attempt}: ${problem}`);
        deliver(problem ? { ...message, outcome: { status: 'failed', reason: 'error', message: problem } } : told);
      });
      return;
    }
    deliver(message);
  });
  channel.onClose(() => receiver.abandon('the agent disconnected'));

  return {
    send(message) {
      if (message.type === 'assign') return assign(message.attempt);
      channel.send(message);
    },
    onMessage: (handler) => void handlers.push(handler),
    onClose: (handler) => channel.onClose(handler),
    close: () => channel.close(),
  };
}
