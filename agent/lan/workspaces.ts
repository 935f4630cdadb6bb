// Where a LAN agent runs an attempt: a folder of its own under `<state dir>/workspaces/`, never the
// path the coordinator named (that is the coordinator's disk). THE SEAM for snapshots and outputs:
// today the folder starts empty and is removed after the result; the snapshot transfer will fill it
// before the attempt starts (prepare) and collect outputs from it before removal (release).
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentMessage, Channel, CoordinatorMessage } from '../../core/protocol/types';

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
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      return dir;
    },
    release: (attempt) => rmSync(folder(attempt), { recursive: true, force: true }),
  };
}

/**
 * The agent's end of a connection, with each assignment's workspace moved to a local folder, and
 * the folder released once its result went out.
 */
export function withLocalWorkspaces(channel: Channel<CoordinatorMessage, AgentMessage>, workspaces: Workspaces): Channel<CoordinatorMessage, AgentMessage> {
  return {
    send(message) {
      channel.send(message);
      if (message.type === 'result') workspaces.release(message.attempt);
    },
    onMessage: (handler) =>
      channel.onMessage((message) => {
        if (message.type !== 'assign') return handler(message);
        const root = workspaces.prepare(message.attempt.id);
        handler({ ...message, attempt: { ...message.attempt, workspace: { kind: 'local', root } } });
      }),
    onClose: (handler) => channel.onClose(handler),
    close: () => channel.close(),
  };
}
