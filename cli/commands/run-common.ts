// What `farmhand run` does the same whether it owns the state dir (run.ts) or joins the coordinator
// that does (join-run.ts): its flags, the live view, and the report, failed logs and summary line
// read from the store once the build has ended.
import { systemClock } from '../clock';
import { noAgentReason } from '../../core/lan/agent-wait';
import type { FarmEvent } from '../../core/protocol/types';
import type { Store } from '../../core/store/types';
import { buildReport, failedJobs, summaryLine, writeReport, type Report } from '../report';
import { bufferedWriter } from '../views/buffered-writer';
import { formatFailedLogs } from '../views/job-log';
import { createLineView } from '../views/line-view';
import { createTtyView } from '../views/tty-view';

export interface RunFlags {
  stateDir?: string;
  jobs: number;
  only: string[];
  cache: boolean;
  report?: string;
  logs: boolean;
  connect?: string;
  agentConfig?: string;
  /** false with --no-local: only paired LAN agents run jobs. */
  local: boolean;
  agentWait: number;
}

export const ended = (status: string | undefined) => status === 'success' || status === 'failed' || status === 'canceled';

/** The event bin/farmhand.cjs emits when stdout or stderr is closed under us (EPIPE, EIO). */
export const outputClosed = 'farmhand:output-closed';

/** The report file, the failed jobs' logs and the summary line, from the store after the build. */
export function finishReport(store: Store, build: string, flags: RunFlags, status?: string, transfer?: Report['transfer']): boolean {
  const report: Report = { ...buildReport(store, build), transfer };
  // The coordinator's word wins when the store could not record the end (a full disk).
  if (status) report.status = status;
  const reportError = flags.report ? writeReport(flags.report, report) : undefined;
  if (reportError) process.stderr.write(`farmhand: ${reportError}\n`);
  const failed = failedJobs(store, report);
  if (!flags.logs) process.stdout.write(formatFailedLogs(store, build, failed));
  process.stdout.write(`${summaryLine(report, failed)}\n`);
  // Exit 3 when the build failed because no online agent could take a job (--agent-wait).
  return report.jobs.some((job) => job.status === 'failed' && job.reason?.startsWith(noAgentReason));
}

/** The live view: a TTY frame redrawn 5 times a second, or one line per state change. */
export function startView(flags: RunFlags, total: number): { onEvent: (event: FarmEvent) => void; stop: () => void } {
  const write = (text: string) => process.stdout.write(text);
  if (process.stdout.isTTY) {
    const view = createTtyView({ write, now: systemClock.now, columns: () => process.stdout.columns || 80, rows: () => process.stdout.rows || 24, total });
    const timer = setInterval(view.render, 200);
    return {
      onEvent: view.onEvent,
      stop: () => {
        clearInterval(timer);
        view.render();
      },
    };
  }
  const out = bufferedWriter(write);
  const view = createLineView({ write: out.write, logs: flags.logs });
  return {
    onEvent: view.onEvent,
    stop: () => {
      view.flush();
      out.flush();
    },
  };
}
