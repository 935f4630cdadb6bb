// A job's stored log as the terminal shows it (`farmhand logs`, the failed-log printout after a run):
// one separator line per attempt when a job ran more than once, and for an attempt that ran as a
// non-first member of a batch, where its output is (the batch's log is kept under its first job).
import type { AttemptRecord, LogChunk, Store } from '../../core/store/types';

export interface JobLogOptions {
  /** Show at most this many of the last chunks, with a line saying how to see the rest. */
  tail?: number;
}

/** The attempt id a batch member's attempt row belongs to (`b-0001.a3#1` -> `b-0001.a3`), or undefined for a lead or lone job. */
function batchAttemptOf(attempt: AttemptRecord): string | undefined {
  const hash = attempt.id.indexOf('#');
  return hash < 0 ? undefined : attempt.id.slice(0, hash);
}

/** `attempt 2 of 3: failed (timeout)`, the separator before an attempt's output. */
function attemptHeader(attempt: AttemptRecord, count: number): string {
  const details = [attempt.reason && attempt.reason !== 'exit' ? attempt.reason : undefined, attempt.exitCode !== undefined ? `exit ${attempt.exitCode}` : undefined].filter(Boolean);
  const outcome = `${attempt.status ?? 'running'}${details.length > 0 ? ` (${details.join(', ')})` : ''}`;
  return `--- attempt ${attempt.number} of ${count}: ${outcome} on ${attempt.agent} ---\n`;
}

/** The job's log text, ending with a newline (empty when the job printed nothing and was never in a batch). */
export function formatJobLog(store: Store, build: string, job: string, options: JobLogOptions = {}): string {
  const attempts = store.listAttempts(build, job);
  const chunks = store.readLog(build, job);
  const shown = options.tail !== undefined ? chunks.slice(-options.tail) : chunks;
  let text = shown.length < chunks.length ? `... ${chunks.length - shown.length} earlier chunks: farmhand logs ${build} ${job}\n` : '';
  const byAttempt = new Map<string, LogChunk[]>();
  for (const chunk of shown) byAttempt.set(chunk.attempt, [...(byAttempt.get(chunk.attempt) ?? []), chunk]);
  // With a tail, attempts before the first shown chunk's are left out with their chunks.
  const firstShown = shown.length < chunks.length ? attempts.findIndex((attempt) => attempt.id === shown[0]?.attempt) : 0;
  const separate = attempts.length > 1;
  for (const attempt of attempts.slice(Math.max(0, firstShown))) {
    let section = separate ? attemptHeader(attempt, attempts.length) : '';
    const batchAttempt = batchAttemptOf(attempt);
    if (batchAttempt !== undefined) {
      const lead = store.listAttempts(build).find((other) => other.id === batchAttempt)?.job;
      section += lead
        ? `(ran in a batch with ${lead}; the batch's output is in its log: farmhand logs ${build} ${lead})\n`
        : `(ran in batch attempt ${batchAttempt}, whose log is kept under its first job)\n`;
    }
    section += (byAttempt.get(attempt.id) ?? []).map((chunk) => chunk.data).join('');
    byAttempt.delete(attempt.id);
    text += ensureNewline(section);
  }
  // Chunks of attempts the store has no row for (a log written before its attempt was recorded).
  for (const rest of byAttempt.values()) text += ensureNewline(rest.map((chunk) => chunk.data).join(''));
  return text;
}

function ensureNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/** The logs of the jobs that failed, each under a `--- job (failed) ---` line, the last 200 chunks each. */
export function formatFailedLogs(store: Store, build: string, failed: readonly { id: string; allowed: boolean }[]): string {
  return failed
    .map(({ id, allowed }) => `\n--- ${id} (${allowed ? 'failed, allowed' : 'failed'}) ---\n${formatJobLog(store, build, id, { tail: 200 })}`)
    .join('');
}
