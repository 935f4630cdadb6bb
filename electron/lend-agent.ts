// "Lend this machine to my farm": runs an embedded `farmhand agent` as a child process, started and
// stopped from the tray. Only argv is known here (the agent command is its own module elsewhere), so
// tests drive it with stand-in commands such as `sleep`. The agent's stdout is read for its pairing
// code, which the shell shows so a teammate's coordinator can pair with this machine.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface AgentCommand {
  command: string;
  args: string[];
  env?: Record<string, string | undefined>;
}

export interface LendingOptions extends AgentCommand {
  /** Each line the agent prints (stdout and stderr). */
  onLine?(line: string): void;
  /** The agent's pairing code, each time it prints one. */
  onPairingCode?(code: string): void;
  /** The agent stopped by itself (a crash, a bad agent.yml) or failed to start: one line saying why. */
  onExit?(detail: string): void;
  /** How long stop() waits after SIGTERM before SIGKILL (default 10 s: the agent cancels what runs). */
  stopTimeoutMs?: number;
}

export interface Lending {
  readonly running: boolean;
  start(): void;
  /** Stops the agent (SIGTERM, then SIGKILL after the timeout); resolves once it has exited. */
  stop(): Promise<void>;
}

export interface AgentCommandInput {
  /** The runtime: `node`, or the Electron binary (then ELECTRON_RUN_AS_NODE makes it behave as node). */
  execPath: string;
  runsInElectron: boolean;
  /** bin/farmhand.cjs of the app. */
  farmhandBin: string;
  /** The machine owner's agent.yml; without one the agent uses its defaults. */
  agentConfig: string | undefined;
}

/** argv of the embedded agent: `node bin/farmhand.cjs agent [--agent-config FILE]`. */
export function agentCommand(input: AgentCommandInput): AgentCommand {
  return {
    command: input.execPath,
    args: [input.farmhandBin, 'agent', ...(input.agentConfig === undefined ? [] : ['--agent-config', input.agentConfig])],
    ...(input.runsInElectron ? { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } } : {}),
  };
}

/** The code in an agent's `pairing code: CODE` line, or undefined for any other line. */
export function pairingCodeIn(line: string): string | undefined {
  const match = /^\s*pairing code:\s*(\S+)\s*$/.exec(line);
  return match?.[1];
}

export function createLending(options: LendingOptions): Lending {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let stopping = false;
  // The agent's last line says why it stopped (a bad agent.yml, a port in use): passed on in onExit.
  let lastLine = '';

  const readLines = (stream: NodeJS.ReadableStream | null) => {
    if (!stream) return;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      options.onLine?.(line);
      if (line.trim()) lastLine = line.trim();
      const code = pairingCodeIn(line);
      if (code) options.onPairingCode?.(code);
    });
  };

  return {
    get running() {
      return child !== undefined;
    },
    start() {
      if (child) return;
      stopping = false;
      lastLine = '';
      const started = spawn(options.command, options.args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      readLines(started.stdout);
      readLines(started.stderr);
      exited = new Promise<void>((resolve) => {
        let failure: Error | undefined;
        let reported = false;
        const report = (code: number | null, signal: NodeJS.Signals | null) => {
          if (reported || stopping) return;
          reported = true;
          const said = lastLine ? `: ${lastLine}` : '';
          options.onExit?.(failure ? `could not start the agent: ${failure.message}` : `the agent stopped (${signal ?? `exit code ${code}`})${said}`);
        };
        const gone = () => {
          if (child === started) child = undefined;
          resolve();
        };
        started.once('error', (error) => {
          failure = error;
          // A spawn failure emits no 'exit': finish here.
          if (started.pid === undefined) {
            gone();
            report(null, null);
          }
        });
        started.once('exit', (code, signal) => {
          gone();
          // Its last lines may still be in the pipe: report on 'close', or after a moment when a
          // process the agent left behind holds the pipe open.
          const timer = setTimeout(() => report(code, signal), 500);
          started.once('close', () => {
            clearTimeout(timer);
            report(code, signal);
          });
        });
      });
    },
    async stop() {
      const current = child;
      if (!current) return exited;
      stopping = true;
      current.kill('SIGTERM');
      const timeout = setTimeout(() => current.kill('SIGKILL'), options.stopTimeoutMs ?? 10_000);
      await exited;
      clearTimeout(timeout);
    },
  };
}
