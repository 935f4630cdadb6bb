// Where a LAN agent runs an attempt: a folder of its own under `<state dir>/workspaces/`, never the
// path the coordinator named. A snapshot assignment is placed there first: the manifest is checked
// (relative paths only, no `..`, nothing through a link or a file), the blobs the cache lacks are
// fetched over the same channel and checked against their announced size and sha256, and each file
// is copied from the cache. After a success the outputs are listed to the coordinator, the blobs it
// wants are sent, and only then the result; the folder is removed once the result went out.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, constants, lstatSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { blobChunks, BlobReceiver, filesProblem } from '../../core/protocol/transfer';
import type { AgentMessage, AttemptSpec, Channel, CoordinatorMessage, ManifestEntry, OutputFile } from '../../core/protocol/types';
import type { BlobCache } from './blob-cache';

export interface Workspaces {
  prepare(attempt: string): string;
  release(attempt: string): void;
}

/** Workspaces under `root`, one folder per attempt (named by a hash, so any attempt id is a safe name). */
export function createWorkspaces(root: string): Workspaces {
  const folder = (attempt: string) => join(root, createHash('sha256').update(attempt).digest('hex').slice(0, 24));
  return {
    prepare(attempt) {
      const dir = folder(attempt);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      return dir;
    },
    release: (attempt) => rmSync(folder(attempt), { recursive: true, force: true }),
  };
}

/** Largest snapshot file accepted (16 GiB): anything announced larger is refused. */
const maxFileBytes = 16 * 1024 ** 3;

/** Copies the snapshot's files into `root` from the cache; throws a one-line reason. */
function place(root: string, files: ManifestEntry[], cache: BlobCache): void {
  for (const file of files) {
    const parts = file.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const stat = lstatSync(join(root, ...parts.slice(0, i)), { throwIfNoEntry: false });
      if (stat && !stat.isDirectory()) throw new Error(`${file.path} passes through ${parts.slice(0, i).join('/')}, which is not a folder`);
    }
    mkdirSync(join(root, ...parts.slice(0, -1)), { recursive: true });
    const destination = join(root, file.path);
    copyFileSync(cache.use(file.sha256), destination, constants.COPYFILE_FICLONE);
    chmodSync(destination, (file.mode & 0o777) | 0o600);
  }
}

export interface WorkspaceChannelOptions {
  channel: Channel<CoordinatorMessage, AgentMessage>;
  workspaces: Workspaces;
  cache: BlobCache;
  log(line: string): void;
}

/** The agent's end of a connection, with workspaces placed before assignments and outputs sent before results. */
export function withWorkspaces(options: WorkspaceChannelOptions): Channel<CoordinatorMessage, AgentMessage> {
  const { channel, workspaces, cache, log } = options;
  const receiver = new BlobReceiver();
  const inFlight = new Map<string, Promise<{ bytes: Buffer } | { error: string }>>();
  const assigned = new Map<string, AttemptSpec>();
  const wants = new Map<string, (blobs: string[]) => void>();
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
      const arriving = receiver.expect(sha256, size).then((received) => {
        if ('bytes' in received) cache.put(sha256, received.bytes);
        return received;
      });
      inFlight.set(sha256, arriving);
      void arriving.finally(() => inFlight.delete(sha256));
    }
    const waits = files.map((file) => inFlight.get(file.sha256)).filter((wait) => wait !== undefined);
    if (missing.size > 0) channel.send({ type: 'fetch', attempt: spec.id, blobs: [...missing.keys()] });
    for (const received of await Promise.all(waits)) if ('error' in received) return refuse(spec.id, `snapshot blob refused: ${received.error}`);
    const root = workspaces.prepare(spec.id);
    try {
      place(root, files, cache);
    } catch (error) {
      return refuse(spec.id, `snapshot refused: ${error instanceof Error ? error.message : String(error)}`);
    }
    const local: AttemptSpec = { ...spec, workspace: { kind: 'local', root } };
    assigned.set(spec.id, local);
    deliver({ type: 'assign', attempt: local });
  }

  /** Sends the outputs the agent described (and the blobs the coordinator wants), before the result. */
  async function sendOutputs(attempt: string, root: string, files: OutputFile[]): Promise<void> {
    const sources = new Map<string, string>();
    for (const file of files) if (file.link === undefined) sources.set(file.sha256, join(root, file.path));
    // Kept here too: the next job of a chain on this agent finds its inputs without a transfer.
    for (const [sha256, source] of sources) if (!cache.has(sha256)) cache.put(sha256, readFileSync(source));
    const wanted = new Promise<string[]>((resolve) => wants.set(attempt, resolve));
    channel.send({ type: 'outputs', attempt, files });
    for (const sha256 of new Set(await wanted)) {
      const source = sources.get(sha256);
      if (!source) {
        log(`the coordinator wants blob ${sha256.slice(0, 16)}, which is not an output of ${attempt}`);
        continue;
      }
      for (const chunk of blobChunks(sha256, readFileSync(source))) channel.send(chunk);
    }
  }

  channel.onMessage((message) => {
    if (message.type === 'blob') {
      const problem = receiver.take(message);
      if (problem) log(`refused a blob chunk: ${problem}`);
    } else if (message.type === 'want') {
      wants.get(message.attempt)?.(message.blobs);
      wants.delete(message.attempt);
    } else if (message.type === 'assign' && message.attempt.workspace.kind === 'snapshot') {
      void placeSnapshot(message.attempt, message.attempt.workspace.files);
    } else if (message.type === 'assign') {
      // A coordinator that sends a path on its own disk: run in an empty folder here.
      const root = workspaces.prepare(message.attempt.id);
      deliver({ ...message, attempt: { ...message.attempt, workspace: { kind: 'local', root } } });
    } else deliver(message);
  });
  channel.onClose(() => {
    receiver.abandon('the coordinator disconnected');
    for (const resolve of wants.values()) resolve([]);
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
        () => channel.send({ ...message, outcome }),
        (error: unknown) => channel.send({ ...message, outcome: { status: 'failed', reason: 'error', message: `could not send outputs: ${error instanceof Error ? error.message : String(error)}` } }),
      ).finally(() => workspaces.release(message.attempt));
    },
    onMessage: (handler) => void handlers.push(handler),
    onClose: (handler) => channel.onClose(handler),
    close: () => channel.close(),
  };
}
