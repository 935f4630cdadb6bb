// Reads a project folder from disk and plans it: parse, then plan, stopping at the first stage with problems.
import { resolve } from 'node:path';
import { planProject, type PlanOptions } from '../plan/plan-project';
import type { Plan } from '../plan/types';
import { parseProject } from '../spec/parse-project';
import type { Diagnostic, ProjectFiles, ProjectSpec } from '../spec/types';
import { diskFiles } from './disk-files';

export interface LoadedProject {
  /** Absolute path of the project folder. */
  root: string;
  /** The files the plan was made from (hashes memoised), for callers that go on to run it. */
  files: ProjectFiles;
  spec?: ProjectSpec;
  /** Present only when there are no diagnostics. */
  plan?: Plan;
  diagnostics: Diagnostic[];
}

/** Parses and plans the project in `root`; user mistakes come back as diagnostics, never as exceptions. */
export function loadProject(root: string, options: PlanOptions = {}): LoadedProject {
  const absolute = resolve(root);
  const files = diskFiles(absolute);
  const parsed = parseProject(files);
  if (!parsed.spec || parsed.diagnostics.length > 0) return { root: absolute, files, diagnostics: parsed.diagnostics };
  const planned = planProject(parsed.spec, files, options);
  const loaded: LoadedProject = { root: absolute, files, spec: parsed.spec, diagnostics: planned.diagnostics };
  if (planned.plan) loaded.plan = planned.plan;
  return loaded;
}
