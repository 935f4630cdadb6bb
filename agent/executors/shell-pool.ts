// Long-lived `sh` processes that start jobs for the shell executor. Forking a large Node process
// costs milliseconds per job; a small shell forks in a fraction of that, and running the script in a
// subshell (eval) spares the exec of a new shell too (shared/lab.md §G). Each worker:
//   - is its own process group (spawned detached) and ignores SIGTERM itself;
//   - runs one job at a time, as a subshell that resets SIGTERM, so a stop signals the group: the job
//     and everything it started get SIGTERM, then SIGKILL after the grace period, worker included
//     (a stopped worker is retired); the script is written into the subshell (not eval'd inside it), so
//     sh execs its last command instead of forking for it, as `sh -c` does;
//   - after a job, sends SIGTERM to its group to end what the job left in the background; what is still
//     there shortly after (it ignores SIGTERM) is SIGKILLed with the worker, which is then retired;
//   - has a lifeline (process-group.ts): when this process dies, even by kill -9, the worker's group dies too;
//   - writes an end marker with a per-worker random nonce on both pipes after the job, so the job's
//     output is complete and in order when the marker arrives.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { childrenOf, ignoresTerm, recentProcessIds, signalGroup, signalProcess, startLifeline, waitMembersGone, type Lifeline } from './process-group';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { LogStream } from '../../core/protocol/types';

export interface PoolJob {
  script: string;
  cwd: string;
  /** Laid over the pool's base environment, for this job only. */
  env: Record<string, string>;
}

export interface PoolJobHandlers {
  output(stream: LogStream, text: string): void;
}

/**
 * Told of each worker's process group when the worker starts and when it is gone: every job runs in
 * its worker's group, so one record per worker (not per job) lets a later start end what a crash left.
 */
export interface PoolWorkerRecorder {
  started(processGroup: number): void;
  ended(processGroup: number): void;
}

/**
 * A job shorter than this has its leftovers looked for among the pids handed out since it started (no
 * machine goes round its whole pid range that fast); a longer one has /proc listed.
 */
const quickJobMs = 1000;

/** How long what a job left in the background gets to end after the SIGTERM at its end. */
const leftoverGraceMs = 200;

/** Asks a running job to stop: SIGTERM to its group, SIGKILL after graceMs. */
export interface PoolStop {
  signal: AbortSignal;
  graceMs: number;
}

/** How a pooled job ended: its exit status as the shell reports it (128+n when killed by signal n). */
export type PoolExit = { code: number } | { error: string };

const envKey = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Quotes a string for sh: inside single quotes, with each `'` written as `'\''`. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `'K=V' ...` for sh's export, skipping names sh cannot hold. */
function exportList(env: Record<string, string>): string {
  return Object.entries(env)
    .filter(([key]) => envKey.test(key))
    .map(([key, value]) => shellQuote(`${key}=${value}`))
    .join(' ');
}

/** True when this machine can run the pool: a POSIX sh that runs a subshell and reports its status. */
export function shellPoolAvailable(shell = '/bin/sh'): boolean {
  if (process.platform === 'win32') return false;
  const probe = spawnSync(shell, ['-c', "trap '' TERM; (trap - TERM; eval 'exit 3') & wait $!; echo $?"], { encoding: 'utf8' });
  return probe.status === 0 && probe.stdout.trim() === '3';
}

/** Finds the first occurrence of `marker` in `buffer`, and how many trailing bytes may begin one. */
function scan(buffer: Buffer, marker: Buffer): { at: number; hold: number } {
  const at = buffer.indexOf(marker);
  if (at >= 0) return { at, hold: 0 };
  for (let hold = Math.min(marker.length - 1, buffer.length); hold > 0; hold--) {
    if (buffer.subarray(buffer.length - hold).equals(marker.subarray(0, hold))) return { at: -1, hold };
  }
  return { at: -1, hold: 0 };
}

/** Splits a worker pipe into per-job output: everything before the end marker belongs to the job. */
class MarkedStream {
  private pending: Buffer = Buffer.alloc(0);
  private decoder = new StringDecoder('utf8');
  private waiting?: { resolve: (tail: string) => void; emit: (text: string) => void };

  constructor(
    source: Readable,
    private readonly marker: Buffer,
  ) {
    source.on('data', (chunk: Buffer) => this.push(chunk));
  }

  /** Starts a job: output goes to emit until the marker; resolves with the text after the marker up to its newline. */
  next(emit: (text: string) => void): Promise<string> {
    return new Promise((resolve) => {
      this.waiting = { resolve, emit };
      this.push(Buffer.alloc(0));
    });
  }

  private push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const job = this.waiting;
    if (!job) return;
    const { at, hold } = scan(this.pending, this.marker);
    if (at < 0) {
      const ready = this.pending.subarray(0, this.pending.length - hold);
      this.pending = this.pending.subarray(this.pending.length - hold);
      const text = this.decoder.write(ready);
      if (text) job.emit(text);
      return;
    }
    const newline = this.pending.indexOf(10, at + this.marker.length);
    if (newline < 0) {
      const text = this.decoder.write(this.pending.subarray(0, at));
      if (text) job.emit(text);
      this.pending = this.pending.subarray(at);
      return;
    }
    const text = this.decoder.write(this.pending.subarray(0, at)) + this.decoder.end();
    if (text) job.emit(text);
    const tail = this.pending.subarray(at + this.marker.length, newline).toString('utf8');
    this.pending = this.pending.subarray(newline + 1);
    this.decoder = new StringDecoder('utf8');
    this.waiting = undefined;
    job.resolve(tail);
  }
}

/** One long-lived shell that runs jobs one after the other. */
class ShellWorker {
  readonly process: ChildProcess;
  private readonly nonce = randomBytes(12).toString('hex');
  private readonly stdout: MarkedStream;
  private readonly stderr: MarkedStream;
  private readonly lifeline?: Lifeline;
  private exited?: string;
  private retired = false;
  private readonly exitWaiters: ((reason: string) => void)[] = [];
  /** Tells the recorder the worker is gone (once: at its exit, or at close). */
  private forget?: () => void;

  constructor(shell: string, baseEnv: Record<string, string>, recorder?: PoolWorkerRecorder) {
    // Its own process group. It exports the base environment once; each job's subshell adds its own.
    this.process = spawn(shell, [], { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: {} });
    const pid = this.process.pid;
    if (pid !== undefined) {
      this.lifeline = startLifeline(pid, shell);
      recorder?.started(pid);
      this.forget = () => {
        this.forget = undefined;
        recorder?.ended(pid);
      };
    }
    const base = exportList(baseEnv);
    this.process.stdin!.write(`trap '' TERM\n${base ? `export ${base}\n` : ''}`);
    const marker = Buffer.from(`@@farmhand-end-${this.nonce} `);
    this.stdout = new MarkedStream(this.process.stdout!, marker);
    this.stderr = new MarkedStream(this.process.stderr!, marker);
    this.process.stdin!.on('error', () => {});
    this.process.on('exit', (code, signal) => {
      this.exited = `the job shell exited (${signal ?? `code ${code}`})`;
      this.lifeline?.release();
      this.forget?.();
      for (const waiter of this.exitWaiters.splice(0)) waiter(this.exited);
    });
  }

  get alive(): boolean {
    return this.exited === undefined && !this.retired;
  }

  /** Signals the worker's whole group: the running job, what it started, and (for SIGKILL) the worker. */
  private signal(signal: NodeJS.Signals): void {
    if (this.process.pid !== undefined && this.exited === undefined) signalGroup(this.process.pid, signal);
  }

  /** Runs one job to its end; a stop, or a leftover that ignores SIGTERM, retires the worker. */
  async run(job: PoolJob, handlers: PoolJobHandlers, stop: PoolStop): Promise<PoolExit> {
    if (!this.alive) return { error: this.exited ?? 'the job shell was retired' };
    if (stop.signal.aborted) return { error: 'stopped before it started' };
    const pgid = this.process.pid!;
    const exports = exportList(job.env);
    const end = `@@farmhand-end-${this.nonce}`;
    // The end marker carries the exit status and the job subshell's pid (0: none started). What runs
    // now cannot be the job's: the search for its leftovers looks only at processes new since.
    const before = recentProcessIds();
    const startedAt = Date.now();
    const command = [
      `if cd -- ${shellQuote(job.cwd)} 2>/dev/null; then`,
      // The script is part of the subshell's own text, so that sh runs its last command in the subshell's
      // process (no fork); `command eval` makes a syntax error the job's (status 2), not the worker's end.
      `  if command eval ${shellQuote(`(trap - TERM; ${exports ? `export ${exports}; ` : ''}set -e; ${job.script}
) </dev/null &`)}; then j=$!; wait $j; c=$?; else c=2; j=0; fi`,
      '  kill -TERM 0; cd /',
      'else c=cwd; j=0; fi',
      `printf '%s %s %s\\n' '${end}' "$c" "$j"; printf '%s %s %s\\n' '${end}' "$c" "$j" >&2`,
      '',
    ].join('\n');
    const outDone = this.stdout.next((text) => handlers.output('stdout', text));
    const errDone = this.stderr.next((text) => handlers.output('stderr', text));
    const died = new Promise<string>((resolve) => this.exitWaiters.push(resolve));
    let stoppedAt: number | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let lateTimer: NodeJS.Timeout | undefined;
    const onStop = (): void => {
      stoppedAt = Date.now();
      this.retired = true;
      // A stop can come before the job's subshell exists, or before it has reset the SIGTERM it inherits
      // ignored from the worker: it gets its own SIGTERM once it no longer ignores one, instead of running
      // out the grace period. Only the worker's direct children (job subshells) are followed up, each once.
      const told = new Set((childrenOf(pgid) ?? []).filter((child) => !ignoresTerm(child)));
      this.signal('SIGTERM');
      killTimer = setTimeout(() => this.signal('SIGKILL'), stop.graceMs);
      lateTimer = setInterval(() => {
        for (const child of childrenOf(pgid) ?? []) {
          if (told.has(child) || ignoresTerm(child)) continue;
          told.add(child);
          signalProcess(child, 'SIGTERM');
        }
      }, 20);
    };
    stop.signal.addEventListener('abort', onStop, { once: true });
    try {
      this.process.stdin!.write(command);
      const finished = await Promise.race([Promise.all([outDone, errDone]), died]);
      if (typeof finished === 'string') return { error: finished };
      const [status = '', jobPid = '0'] = finished[0].trim().split(' ');
      await this.endLeftovers(pgid, Number(jobPid) > 0 ? before : undefined, stoppedAt === undefined ? leftoverGraceMs : Math.max(0, stoppedAt + stop.graceMs - Date.now()), Date.now() - startedAt < quickJobMs ? Number(jobPid) : undefined);
      if (status === 'cwd') return { error: `working directory "${job.cwd}" does not exist or cannot be entered` };
      return { code: Number(status) };
    } finally {
      clearTimeout(killTimer);
      clearInterval(lateTimer);
      stop.signal.removeEventListener('abort', onStop);
    }
  }

  /**
   * After a job's subshell ended (and its group got SIGTERM): returns as soon as nothing the job started
   * is left; whatever is still there after `graceMs` is SIGKILLed with the worker, which is retired.
   * A stopped worker is killed in any case.
   */
  private async endLeftovers(pgid: number, before: ReadonlySet<string> | undefined, graceMs: number, quickPid: number | undefined): Promise<void> {
    // No job subshell (its folder was missing), or no /proc to look in: the lifeline ends leftovers at close.
    // What the job started was handed a pid after its subshell's: those few are looked at first.
    const gone = await waitMembersGone(pgid, pgid, before, graceMs, quickPid);
    if (gone !== false && !this.retired) return;
    this.retired = true;
    this.signal('SIGKILL');
  }

  close(): void {
    this.process.stdin!.end();
    this.retired = true;
    // Idle (the caller stopped its jobs first), it exits on its closed stdin: forgotten now, while the
    // recorder's store is still open.
    this.forget?.();
  }
}

/** A set of shell workers, grown on demand; an idle worker is reused. */
export class ShellPool {
  private readonly idle: ShellWorker[] = [];
  private readonly all = new Set<ShellWorker>();

  constructor(
    private readonly baseEnv: Record<string, string>,
    private readonly shell = '/bin/sh',
    private readonly recorder?: PoolWorkerRecorder,
  ) {}

  /** Runs a job on an idle worker (starting one if none is idle). */
  async run(job: PoolJob, handlers: PoolJobHandlers, stop: PoolStop): Promise<PoolExit> {
    let worker = this.idle.pop();
    while (worker && !worker.alive) worker = this.idle.pop();
    if (!worker) {
      worker = new ShellWorker(this.shell, this.baseEnv, this.recorder);
      this.all.add(worker);
      worker.process.on('exit', () => this.all.delete(worker!));
    }
    const exit = await worker.run(job, handlers, stop);
    if (worker.alive) this.idle.push(worker);
    return exit;
  }

  /** Ends every worker (running jobs are the caller's to stop first). */
  close(): void {
    for (const worker of this.all) worker.close();
    this.idle.length = 0;
  }
}
