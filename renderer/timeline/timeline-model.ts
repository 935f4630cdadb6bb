// The Gantt's data: one lane per agent slot with a bar per attempt, and the critical path (the chain of
// needs that ended last). Pure, so the view only draws.
import type { JobState } from '../../core/protocol/types';
import type { JobView } from '../state/dag-slice';

export interface TimelineBar {
  job: string;
  attempt: number;
  start: number;
  end: number;
  state: JobState;
  /** Still running: `end` is now. */
  open: boolean;
  critical: boolean;
}

export interface TimelineLane {
  agent: string;
  slot: number;
  bars: TimelineBar[];
}

export interface TimelineModel {
  lanes: TimelineLane[];
  start: number;
  end: number;
  critical: string[];
}

/** The jobs of the critical path, first to last: from the job that finished last, back through the need that finished last. */
export function criticalPath(jobs: Record<string, JobView>): string[] {
  let last: JobView | undefined;
  for (const job of Object.values(jobs)) {
    if (job.finishedAt === undefined || job.attempts.length === 0) continue;
    if (!last || job.finishedAt > last.finishedAt!) last = job;
  }
  const path: string[] = [];
  const seen = new Set<string>();
  while (last && !seen.has(last.id)) {
    seen.add(last.id);
    path.unshift(last.id);
    let previous: JobView | undefined;
    for (const need of last.needs) {
      const candidate = jobs[need];
      if (candidate?.finishedAt === undefined || candidate.attempts.length === 0) continue;
      if (!previous || candidate.finishedAt > previous.finishedAt!) previous = candidate;
    }
    last = previous;
  }
  return path;
}

/** Lanes per agent slot: each attempt takes the lowest slot of its agent that is free when it starts. */
export function buildTimeline(jobs: Record<string, JobView>, now: number): TimelineModel {
  const critical = criticalPath(jobs);
  const onPath = new Set(critical);
  const attempts = Object.values(jobs).flatMap((job) => job.attempts.map((attempt) => ({ job, attempt })));
  attempts.sort((a, b) => a.attempt.start - b.attempt.start);
  const lanesByAgent = new Map<string, TimelineLane[]>();
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const { job, attempt } of attempts) {
    const open = attempt.end === undefined;
    const bar: TimelineBar = { job: job.id, attempt: attempt.number, start: attempt.start, end: attempt.end ?? Math.max(now, attempt.start),
      state: attempt.state, open, critical: onPath.has(job.id) && attempt.state !== 'lost' };
    const lanes = lanesByAgent.get(attempt.agent) ?? [];
    lanesByAgent.set(attempt.agent, lanes);
    let lane = lanes.find((candidate) => candidate.bars[candidate.bars.length - 1]!.end <= bar.start);
    if (!lane) {
      lane = { agent: attempt.agent, slot: lanes.length + 1, bars: [] };
      lanes.push(lane);
    }
    lane.bars.push(bar);
    start = Math.min(start, bar.start);
    end = Math.max(end, bar.end);
  }
  const lanes = [...lanesByAgent.keys()].sort().flatMap((agent) => lanesByAgent.get(agent)!);
  if (lanes.length === 0) return { lanes, start: now, end: now, critical };
  return { lanes, start, end, critical };
}
