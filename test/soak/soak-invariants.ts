// The invariants the soak test checks on the coordinator's store once every build has ended, as a
// pure function of what the store holds (so test/soak/soak-invariants.test.ts can show it fails):
// every build ended, and failed only for a reason it can explain (a job lost with its agent more times
// than the automatic retries allow, and what needed it); no job has a second attempt unless every
// earlier one was lost or canceled by its agent; each attempt's log is the job's numbered lines from 1,
// in order, without a duplicate or a gap (complete up to where a lost or canceled attempt stopped,
// complete to the end for a successful one).

export interface StoredAttempt { number: number; agent: string | null; status?: string; reason?: string; startedAt?: number; finishedAt?: number }
export interface StoredJob {
  id: string;
  state: string;
  reason?: string;
  attempts: StoredAttempt[];
  lines: Map<number, string[]>;
  /** Why each retry came (the job history's `retry N/M after ...`), for the report. */
  retries?: string[];
}
export interface StoredBuild { id: string; status: string; jobs: StoredJob[] }

/** How many numbered lines each job of the soak pipeline prints (`line 1` .. `line N`). */
export type LineCounts = Record<string, number>;

const endedBadly = (attempt: StoredAttempt) => attempt.status === 'lost' || attempt.status === 'canceled' || attempt.reason === 'agent_lost';

/** Each problem found, as one line naming the build, the job and the attempt. */
export function checkSoakInvariants(builds: StoredBuild[], counts: LineCounts): string[] {
  const problems: string[] = [];
  for (const build of builds) {
    if (build.status !== 'success' && build.status !== 'failed') problems.push(`${build.id}: ended ${build.status}`);
    for (const job of build.jobs) {
      const where = `${build.id} ${job.id}`;
      const short = job.id.split('/').pop()!;
      const expected = counts[short];
      const earlier = job.attempts.slice(0, -1).filter((attempt) => !endedBadly(attempt));
      for (const attempt of earlier) problems.push(`${where}: attempt ${attempt.number} ended ${attempt.status ?? 'never'}${attempt.reason ? ` (${attempt.reason})` : ''}, yet another attempt followed`);
      if (job.state === 'success' && job.attempts.at(-1)?.status !== 'success') problems.push(`${where}: success, but its last attempt is ${job.attempts.at(-1)?.status ?? 'missing'}`);
      if (build.status === 'failed' && job.state !== 'success') {
        const lostOut = job.state === 'lost' && job.attempts.length >= 1 && job.attempts.every(endedBadly);
        const upstream = (job.state === 'canceled' || job.state === 'skipped') && job.attempts.length === 0;
        if (!lostOut && !upstream) problems.push(`${where}: ${job.state}${job.reason ? ` (${job.reason})` : ''} after ${job.attempts.length} attempt(s) [${job.attempts.map((a) => `${a.number}:${a.status}/${a.reason ?? '-'}@${a.agent}`).join(' ')}]: not explained by a lost agent`);
      }
      if (expected === undefined) continue;
      for (const attempt of job.attempts) {
        const lines = job.lines.get(attempt.number) ?? [];
        const wanted = Array.from({ length: attempt.status === 'success' && attempt.reason === undefined ? expected : lines.length }, (_, index) => `line ${index + 1}`);
        const firstWrong = wanted.findIndex((line, index) => lines[index] !== line);
        if (firstWrong >= 0 || lines.length > wanted.length) {
          const at = firstWrong >= 0 ? firstWrong : wanted.length;
          problems.push(`${where} attempt ${attempt.number} (${attempt.status}): log line ${at + 1} is ${JSON.stringify(lines[at] ?? null)}, expected ${JSON.stringify(wanted[at] ?? null)} (${lines.length} lines, ${expected} printed by a full run)`);
        }
      }
    }
  }
  return problems;
}
