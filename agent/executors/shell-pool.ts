// Long-lived `sh` processes that start jobs for the shell executor. Forking a large Node process
// costs milliseconds per job; a small shell forks in a fraction of that (shared/lab.md §G). Each
// worker runs one job at a time:
//   - the job is started with `setsid`, so it leads its own process group (for kill on timeout/cancel)
//     and the worker reports its pid on fd 3;
//   - the job writes straight into the worker's stdout/stderr pipes; after it exits the worker kills
//     whatever the job left in its group and writes an end marker (with a per-worker random nonce)
//     on both pipes, so the output is complete and in order when the marker arrives.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { LogStream } from '../../core/protocol/types';

export interface PoolJob {
  script: string;
  cwd: string;
  env: Record<string, string>;
}

export interface PoolJobHandlers {
  output(stream: LogStream, text: string): void;
  /** The job's pid, which is also its process group id. */
  started(pid: number): void;
}

/** How a pooled job ended: its exit status as the shell reports it (128+n when killed by signal n). */
export type PoolExit = { code: number } | { error: string };

const envKey = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Quotes a string for sh: inside single quotes, with each `'` written as `'\''`. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** True when this machine can run the pool: a POSIX sh and setsid(1). */
export function shellPoolAvailable(shell = '/bin/sh'): boolean {
  if (process.platform === 'win32') return false;
  const probe = spawnSync(shell, ['-c', 'command -v setsid'], { stdio: 'ignore' });
  return probe.status === 0;
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
  private readonly pids: ((pid: number) => void)[] = [];
  private exited?: string;
  private readonly exitWaiters: ((reason: string) => void)[] = [];

  constructor(shell: string) {
    this.process = spawn(shell, [], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    const marker = Buffer.from(`@@farmhand-end-${this.nonce} `);
    this.stdout = new MarkedStream(this.process.stdout!, marker);
    this.stderr = new MarkedStream(this.process.stderr!, marker);
    let control = '';
    (this.process.stdio[3] as Readable).on('data', (chunk: Buffer) => {
      control += chunk.toString('utf8');
      let newline: number;
      while ((newline = control.indexOf('\n')) >= 0) {
        const line = control.slice(0, newline);
        control = control.slice(newline + 1);
        if (line.startsWith('S ')) this.pids.shift()?.(Number(line.slice(2)));
      }
    });
    this.process.stdin!.on('error', () => {});
    this.process.on('exit', (code, signal) => {
      this.exited = `the job shell exited (${signal ?? `code ${code}`})`;
      for (const waiter of this.exitWaiters.splice(0)) waiter(this.exited);
    });
  }

  get alive(): boolean {
    return this.exited === undefined;
  }

  /** Runs one job to its end. */
  async run(job: PoolJob, handlers: PoolJobHandlers): Promise<PoolExit> {
    if (!this.alive) return { error: this.exited! };
    const assignments = Object.entries(job.env)
      .filter(([key]) => envKey.test(key))
      .map(([key, value]) => shellQuote(`${key}=${value}`))
      .join(' ');
    const end = `@@farmhand-end-${this.nonce}`;
    const command = [
      `if cd -- ${shellQuote(job.cwd)} 2>/dev/null; then`,
      `  setsid env -i ${assignments} ${shellQuote('/bin/sh')} -e -c ${shellQuote(job.script)} </dev/null 3>&- &`,
      '  p=$!; echo "S $p" >&3; wait $p; c=$?; kill -9 -$p 2>/dev/null; cd /',
      'else echo "S 0" >&3; c=cwd; fi',
      `printf '%s %s\\n' '${end}' "$c"; printf '%s %s\\n' '${end}' "$c" >&2`,
      '',
    ].join('\n');
    const pid = new Promise<number>((resolve) => this.pids.push(resolve));
    const outDone = this.stdout.next((text) => handlers.output('stdout', text));
    const errDone = this.stderr.next((text) => handlers.output('stderr', text));
    const died = new Promise<string>((resolve) => this.exitWaiters.push(resolve));
    this.process.stdin!.write(command);
    const started = await Promise.race([pid, died]);
    if (typeof started === 'string') return { error: started };
    if (started > 0) handlers.started(started);
    const finished = await Promise.race([Promise.all([outDone, errDone]), died]);
    if (typeof finished === 'string') return { error: finished };
    const status = finished[0].trim();
    if (status === 'cwd') return { error: `working directory "${job.cwd}" cannot be entered` };
    return { code: Number(status) };
  }

  close(): void {
    this.process.stdin!.end();
  }
}

/** A set of shell workers, grown on demand; an idle worker is reused. */
export class ShellPool {
  private readonly idle: ShellWorker[] = [];
  private readonly all = new Set<ShellWorker>();

  constructor(private readonly shell = '/bin/sh') {}

  /** Runs a job on an idle worker (starting one if none is idle). */
  async run(job: PoolJob, handlers: PoolJobHandlers): Promise<PoolExit> {
    let worker = this.idle.pop();
    while (worker && !worker.alive) worker = this.idle.pop();
    if (!worker) {
      worker = new ShellWorker(this.shell);
      this.all.add(worker);
      worker.process.on('exit', () => this.all.delete(worker!));
    }
    const exit = await worker.run(job, handlers);
    if (worker.alive) this.idle.push(worker);
    return exit;
  }

  /** Ends every worker (running jobs are the caller's to stop first). */
  close(): void {
    for (const worker of this.all) worker.close();
    this.idle.length = 0;
  }
}
