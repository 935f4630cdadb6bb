// Where a notification click leads inside the window. The renderer's routes are hash routes on the
// app's origin (`#/builds/ID`, `#/builds/ID/jobs/JOB`, `#/agents`); this is the one place the shell
// spells them.
import type { NotificationTarget } from './notifications';

/** The window URL that shows `target`. */
export function targetUrl(origin: string, target: NotificationTarget): string {
  if (target.kind === 'agents') return `${origin}/#/agents`;
  const build = `${origin}/#/builds/${encodeURIComponent(target.build)}`;
  return target.job === undefined ? build : `${build}/jobs/${encodeURIComponent(target.job)}`;
}
