// The agent: takes attempts from its coordinator over a channel, runs each with an executor,
// streams numbered log chunks back and reports the result. The same loop serves the embedded
// agent of `farmhand run` (in-memory channel) and, later, LAN agents (WebSocket).
import { protocolVersion } from '../core/protocol/types';
import type { AgentInfo, AgentMessage, AttemptOutcome, AttemptSpec, Channel, CoordinatorMessage } from '../core/protocol/types';
import { validateCoordinatorMessage } from '../core/protocol/validate';
import { defaultAgentConfig, isolationFor, type AgentConfig } from './config';
import { describeOutputs } from './describe-outputs';
import type { ExecutionResult, Executor } from './executors/types';
import { SlotGate } from './slot-gate';

export interface AgentOptions {
  info: AgentInfo;
  channel: Channel<CoordinatorMessage, AgentMessage>;
  executors: Partial<Record<'shell' | 'docker', Executor>>;
  /** How jobs are isolated here (agent.yml); default: images in Docker, the rest as processes. */
  config?: AgentConfig;
  now: () => number;
  /** Where problems of the channel itself are told (not job output). */
  warn?: (message: string) => void;
  /** Bytes of small outputs sent with a result (describe-outputs.ts); only on an in-memory channel. */
  inlineOutputBytes?: number;
}

export interface Agent {
  /** Attempts running now. */
  running(): string[];
  /** Cancels what runs, waits for it to stop, and closes the channel (the executors stay open: they are the caller's). */
  close(): Promise<void>;
}

/** Starts an agent on a channel: says hello, then serves assignments until closed. */
export function createAgent(options: AgentOptions): Agent {
  const { channel, info, now } = options;
  const warn = options.warn ?? (() => {});
  const running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  let accepting = true;
  let closing = false;
  // An agent with a queue runs at most `slots` attempts; the rest wait for a slot here.
  const gate = (info.queue ?? 0) > 0 ? new SlotGate(info.slots) : undefined;

  const send = (message: AgentMessage) => channel.send(message);

  async function runAttempt(attempt: AttemptSpec, signal: AbortSignal): Promise<void> {
    if (gate && !(await gate.acquire(signal))) {
      // Canceled while it waited for a slot: it never started.
      send({ type: 'result', attempt: attempt.id, outcome: { status: 'canceled', reason: 'canceled' } });
      return;
    }
    let holdsSlot = gate !== undefined;
    // The slot goes to the next attempt as soon as the job has ended, before its outputs are described.
    const freeSlot = () => {
      if (holdsSlot) gate!.release();
      holdsSlot = false;
    };
    try {
      await runHoldingSlot(attempt, signal, freeSlot);
    } finally {
      freeSlot();
    }
  }

  async function runHoldingSlot(attempt: AttemptSpec, signal: AbortSignal, freeSlot: () => void): Promise<void> {
    let seq = 0;
    const kind = isolationFor(options.config ?? defaultAgentConfig, attempt);
    const executor = kind === 'refused' ? undefined : options.executors[kind];
    send({ type: 'started', attempt: attempt.id, at: now() });
    let result: ExecutionResult;
    if (attempt.workspace.kind !== 'local') {
      // A snapshot is placed by the LAN agent's workspaces (agent/lan/workspaces.ts) before it gets here.
      result = { status: 'failed', reason: 'error', message: `agent ${info.name} got a snapshot it has not placed in a workspace` };
    } else if (kind === 'refused') {
      result = { status: 'failed', reason: 'error', message: `agent ${info.name} runs only jobs with an image (allow_shell: false in its agent.yml)` };
    } else if (!executor) {
      result = { status: 'failed', reason: 'error', message: `agent ${info.name} has no ${kind} executor` };
    } else {
      try {
        result = await executor.run(
          {
            attempt: attempt.id,
            build: attempt.build,
            job: attempt.job,
            agent: info.name,
            run: attempt.run,
            image: kind === 'docker' ? attempt.image : undefined,
            env: attempt.env,
            workspaceRoot: attempt.workspace.root,
            workingDirectory: attempt.workingDirectory,
            timeoutMs: attempt.timeoutMs,
          },
          (stream, data) => send({ type: 'log', attempt: attempt.id, seq: ++seq, stream, data }),
          signal,
        );
      } catch (error) {
        result = { status: 'failed', reason: 'error', message: `executor failed: ${error instanceof Error ? error.message : String(error)}` };
      }
    }
    freeSlot();
    send({ type: 'result', attempt: attempt.id, outcome: await withOutputs(attempt, result) });
  }

  /** A success reports its outputs as found here; one that cannot be described says why (outputsProblem). */
  async function withOutputs(attempt: AttemptSpec, result: ExecutionResult): Promise<AttemptOutcome> {
    if (result.status !== 'success' || attempt.workspace.kind !== 'local' || attempt.outputs.length === 0) return result;
    try {
      return { ...result, outputs: await describeOutputs(attempt.workspace.root, attempt.outputs, options.inlineOutputBytes) };
    } catch (error) {
      return { ...result, outputsProblem: error instanceof Error ? error.message : String(error) };
    }
  }

  channel.onMessage((raw) => {
    // Transfer messages are the LAN workspaces' business (agent/lan/workspaces.ts), not this loop's.
    if ((raw as { type?: string }).type === 'blob' || (raw as { type?: string }).type === 'want') return;
    const checked = validateCoordinatorMessage(raw);
    if ('error' in checked) {
      warn(`ignored a message from the coordinator: ${checked.error}`);
      return;
    }
    const message = checked.message;
    if (message.type === 'welcome') {
      if (message.protocol !== protocolVersion) {
        accepting = false;
        warn(`coordinator speaks protocol ${message.protocol}, this agent ${protocolVersion}: refusing new work`);
      } else if (!closing) accepting = true; // a later connection of the same coordinator speaks this protocol again
    } else if (message.type === 'assign') {
      if (!accepting) {
        // Closing: canceled, unasked, so the coordinator runs it elsewhere; a protocol mismatch is an error.
        const outcome = closing
          ? { status: 'canceled' as const, reason: 'canceled' as const, message: `agent ${info.name} is shutting down` }
          : { status: 'failed' as const, reason: 'error' as const, message: 'agent refuses new work (protocol mismatch)' };
        send({ type: 'result', attempt: message.attempt.id, outcome });
        return;
      }
      const controller = new AbortController();
      const done = runAttempt(message.attempt, controller.signal).finally(() => running.delete(message.attempt.id));
      running.set(message.attempt.id, { controller, done });
    } else if (message.type === 'cancel') {
      running.get(message.attempt)?.controller.abort(message.reason);
    }
  });

  send({ type: 'hello', protocol: protocolVersion, agent: info });

  return {
    running: () => [...running.keys()],
    async close() {
      accepting = false;
      closing = true;
      send({ type: 'leaving' });
      for (const { controller } of running.values()) controller.abort('canceled');
      await Promise.all([...running.values()].map(({ done }) => done));
      channel.close();
    },
  };
}
