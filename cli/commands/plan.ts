// `farmhand plan [DIR]`: print the DAG that `run` would execute. Flags and I/O only; the work is in core.
import { Option, type Command } from 'commander';
import { alwaysRun, formatPlanDot, formatPlanJson, formatPlanText, type WouldRun } from '../../core/plan/format-plan';
import type { LoadedProject } from '../../core/project/load-project';
import { resolveStateDir } from '../../core/store/state-dir';
import { wouldRunFromState } from '../cache-view';
import { exitCodes } from '../exit-codes';
import { collectSelectors, loadPlan } from '../load';

export type PlanFormat = 'text' | 'json' | 'dot';

export interface PlanCommandOptions {
  format: PlanFormat;
  only: string[];
  /** `--json`, the common flag: same as `--format json`. */
  json?: boolean;
  stateDir?: string;
  /** false with `--no-cache`: every job would run. */
  cache?: boolean;
}

/** Where output goes and what the command may ask of the rest of Farmhand. */
export interface PlanCommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  /**
   * The seam for the cache store: given the loaded project, how to tell `cached` from `run`.
   * Without it every job would run.
   */
  wouldRunFor?: (project: LoadedProject) => WouldRun;
}

const formatters = { text: formatPlanText, json: formatPlanJson, dot: formatPlanDot } as const;

/** Runs `farmhand plan`; returns the exit code. */
export function planCommand(dir: string | undefined, options: PlanCommandOptions, io: PlanCommandIo): number {
  const stateDir = resolveStateDir(options.stateDir, process.env);
  const loaded = loadPlan(dir, options.only, { ...io, stateDir });
  if ('exitCode' in loaded) return loaded.exitCode;
  const wouldRun = options.cache === false ? alwaysRun : (io.wouldRunFor?.(loaded.project) ?? wouldRunFromState(stateDir));
  io.stdout(formatters[options.json ? 'json' : options.format](loaded.plan, wouldRun));
  return exitCodes.success;
}

/** Registers `farmhand plan`. */
export function registerPlan(program: Command, io: Partial<PlanCommandIo> = {}): void {
  program
    .command('plan [dir]')
    .description('print the DAG that `run` would execute, with cache keys; no side effects')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'dot']).default('text'))
    .option('--json', 'same as --format json')
    .option('--only <selector>', 'only PIPELINE or PIPELINE/JOB and what it needs (repeatable, or comma-separated)', collectSelectors, [])
    .option('--state-dir <dir>', 'where earlier runs left their results, to tell `cached` from `run` (env FARMHAND_STATE_DIR)')
    .option('--no-cache', 'show every job as `run`, as `farmhand run --no-cache` would')
    .action((dir: string | undefined, options: PlanCommandOptions) => {
      process.exitCode = planCommand(dir, options, {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
        cwd: process.cwd(),
        ...io,
      });
    });
}
