// The syntax of `needs` entries; what they point at is resolved by the planner.
import { recipeNamePattern } from './names';
import { parseRequirement } from './requirements';
import type { SourceLocation } from './types';

/** A job of this pipeline, optionally one matrix combination: `compile` or `compile[cc=gcc,os=debian]`. */
const localJobPattern = /^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^[\]/]+\])?$/;

/** Why a needs entry is malformed, or undefined when its syntax is fine. */
export function needRefProblem(ref: string, loc: SourceLocation): string | undefined {
  if (ref.trim() !== ref || ref === '') return 'is empty or has spaces around it';
  const parts = ref.split('/');
  if (parts.length === 1) return localJobPattern.test(ref) ? undefined : 'is not a job name';
  if (parts.length > 2) return 'has more than one `/`';
  const [owner = '', target = ''] = parts;
  // Pipeline names are a subset of recipe names, so one pattern checks both.
  if (!recipeNamePattern.test(owner)) return `does not start with a pipeline or recipe name before \`/\``;
  if (localJobPattern.test(target)) return undefined;
  return parseRequirement(ref, loc).ok ? undefined : 'is neither `pipeline/job` nor `recipe/<version request>`';
}

/** The remedy shown with a malformed needs entry. */
export const needRefRemedy = 'write `job`, `job[axis=value]`, `pipeline/job`, `recipe/1.2.3` or `recipe/>=1.2`';
