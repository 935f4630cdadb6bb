// `farmhand builds` and `farmhand logs`: read builds and logs from the state dir.
import { oneLine } from '../../agent/executors/messages';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { openState, resolveStateDir, type State } from '../../core/store/state-dir';
import { exitCodes } from '../exit-codes';
import { buildReport } from '../report';
import { formatJobLog } from '../views/job-log';
import { positiveInteger } from './run';

interface ReadFlags {
  stateDir?: string;
  json: boolean;
}

/** The state dir's store, `'none'` when no build was ever recorded there, or undefined after printing why it cannot be read. */
function openExisting(flags: ReadFlags): State | 'none' | undefined {
  const dir = resolveStateDir(flags.stateDir, process.env);
  if (!existsSync(join(dir, 'farmhand.db'))) return 'none';
  try {
    return openState(dir);
  } catch (error) {
    process.stderr.write(`farmhand: cannot read the state dir ${dir}: ${oneLine(error)}\n`);
    return undefined;
  }
}

/** Registers `farmhand builds` and `farmhand logs`. */
export function registerBuilds(program: Command): void {
  program
    .command('builds')
    .description('list builds, newest first (with --json: each build\'s report)')
    .option('--state-dir <dir>', 'where the database lives (env FARMHAND_STATE_DIR)')
    .option('--json', 'print JSON reports', false)
    .option('--limit <n>', 'how many builds', positiveInteger, 20)
    .action((flags: ReadFlags & { limit: number }) => {
      const state = openExisting(flags);
      if (!state) return void (process.exitCode = exitCodes.badInput);
      // A new state dir has no builds: an empty list, not an error (scripts read `[]`).
      if (state === 'none') return void (flags.json && process.stdout.write('[]\n'));
      const builds = state.store.listBuilds(flags.limit);
      if (flags.json) process.stdout.write(`${JSON.stringify(builds.map((b) => buildReport(state.store, b.id)), null, 2)}\n`);
      else for (const b of builds) process.stdout.write(`${b.id}  ${b.status.padEnd(8)} ${new Date(b.createdAt).toISOString()}  ${b.jobs} jobs  ${b.project}\n`);
      state.close();
    });
  program
    .command('logs <build> [job]')
    .description('print the log of a job (or of every job) of a build')
    .option('--state-dir <dir>', 'where the database lives (env FARMHAND_STATE_DIR)')
    .action((build: string, job: string | undefined, flags: ReadFlags) => {
      const found = openExisting(flags);
      if (found === 'none') process.stderr.write(`farmhand logs: no build ${build}; no build was run with this state dir yet (run \`farmhand run\` first, or pass --state-dir)\n`);
      if (found === 'none' || !found) return void (process.exitCode = exitCodes.badInput);
      const state = found;
      const record = state.store.getBuild(build);
      if (!record) {
        process.stderr.write(`farmhand logs: no build ${build}\n`);
        state.close();
        return void (process.exitCode = exitCodes.badInput);
      }
      const jobs = job ? [job] : record.plan.jobs.map((j) => j.id);
      if (job && !record.plan.jobs.some((j) => j.id === job)) {
        process.stderr.write(`farmhand logs: build ${build} has no job ${job}\n`);
        state.close();
        return void (process.exitCode = exitCodes.badInput);
      }
      for (const id of jobs) {
        if (!job) process.stdout.write(`--- ${id} ---\n`);
        process.stdout.write(formatJobLog(state.store, build, id));
      }
      state.close();
    });
}
