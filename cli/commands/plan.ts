// `farmhand plan [DIR]`: print the DAG that `run` would execute. Flags and I/O only; the work is in core.
import { statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { alwaysRun, formatPlanDot, formatPlanJson, formatPlanText, type WouldRun } from '../../core/plan/format-plan';
import { selectJobs, unknownSelectors } from '../../core/plan/select-jobs';
import { loadProject, type LoadedProject } from '../../core/project/load-project';
import { formatDiagnostic, sortDiagnostics } from '../../core/spec/diagnostics';
import type { Diagnostic } from '../../core/spec/types';
import { exitCodes } from '../exit-codes';

export type PlanFormat = 'text' | 'json' | 'dot';

export interface PlanCommandOptions {
  format: PlanFormat;
  only: string[];
  /** `--json`, the common flag: same as `--format json`. */
  json?: boolean;
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

/** A diagnostic with its file shown relative to where the user stands, so `file:line:col` can be opened as printed. */
function fromCwd(diagnostic: Diagnostic, root: string, cwd: string): Diagnostic {
  const absolute = isAbsolute(diagnostic.file) ? diagnostic.file : join(root, diagnostic.file);
  const shown = relative(cwd, absolute);
  // Outside the working folder an absolute path reads better than a chain of `../`.
  return { ...diagnostic, file: shown === '' || shown.startsWith('..') ? absolute : shown };
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Runs `farmhand plan`; returns the exit code. */
export function planCommand(dir: string | undefined, options: PlanCommandOptions, io: PlanCommandIo): number {
  const root = resolve(io.cwd, dir ?? '.');
  if (!isFolder(root)) {
    io.stderr(`farmhand: ${dir ?? root} is not a folder; give the folder that holds farmhand.yml or .farmhand/\n`);
    return exitCodes.badInput;
  }
  let project: LoadedProject;
  try {
    project = loadProject(root);
  } catch (error) {
    // Not a spec mistake but the disk refusing (permissions, a file vanishing mid-read): still one line.
    io.stderr(`farmhand: could not read the project in ${dir ?? root}: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodes.badInput;
  }
  if (!project.plan) {
    for (const diagnostic of sortDiagnostics(project.diagnostics)) io.stderr(`${formatDiagnostic(fromCwd(diagnostic, root, io.cwd))}\n`);
    return exitCodes.badInput;
  }
  const unknown = unknownSelectors(project.plan, options.only);
  if (unknown.length > 0) {
    const pipelines = project.plan.pipelines.map((pipeline) => pipeline.name).join(', ');
    io.stderr(`farmhand: --only ${unknown.join(', ')} names no pipeline or job of this project (pipelines: ${pipelines})\n`);
    return exitCodes.badInput;
  }
  const plan = selectJobs(project.plan, options.only);
  const wouldRun = io.wouldRunFor?.(project) ?? alwaysRun;
  io.stdout(formatters[options.json ? 'json' : options.format](plan, wouldRun));
  return exitCodes.success;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').map((part) => part.trim()).filter((part) => part !== '')];
}

/** Registers `farmhand plan`. */
export function registerPlan(program: Command, io: Partial<PlanCommandIo> = {}): void {
  program
    .command('plan [dir]')
    .description('print the DAG that `run` would execute, with cache keys; no side effects')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'dot']).default('text'))
    .option('--json', 'same as --format json')
    .option('--only <selector>', 'only PIPELINE or PIPELINE/JOB and what it needs (repeatable, or comma-separated)', collect, [])
    .action((dir: string | undefined, options: PlanCommandOptions) => {
      process.exitCode = planCommand(dir, options, {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
        cwd: process.cwd(),
        ...io,
      });
    });
}
