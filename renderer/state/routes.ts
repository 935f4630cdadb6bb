// Where the window is, as a hash route (`#/builds/b-0001/dag?job=p%2Fj&line=12`), so every view and every
// log line has a link that can be shared and reloaded.

export type BuildTab = 'dag' | 'timeline' | 'log' | 'outputs';

export type Route =
  | { view: 'builds' }
  | { view: 'build'; build: string; tab: BuildTab; job?: string; line?: number }
  | { view: 'plan'; project?: string }
  | { view: 'agents' }
  | { view: 'groups' };

const tabs: readonly BuildTab[] = ['dag', 'timeline', 'log', 'outputs'];

/** The route a location hash names; anything unknown is the builds list. */
export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  if (parts[0] === 'builds' && parts[1]) {
    const tab = tabs.includes(parts[2] as BuildTab) ? (parts[2] as BuildTab) : 'dag';
    const route: Route = { view: 'build', build: parts[1], tab };
    const job = params.get('job');
    if (job) route.job = job;
    const line = Number(params.get('line'));
    if (Number.isInteger(line) && line > 0) route.line = line;
    return route;
  }
  if (parts[0] === 'plan') return parts[1] ? { view: 'plan', project: parts[1] } : { view: 'plan' };
  if (parts[0] === 'agents') return { view: 'agents' };
  if (parts[0] === 'groups') return { view: 'groups' };
  return { view: 'builds' };
}

/** The hash for a route; parseRoute(formatRoute(r)) gives r back. */
export function formatRoute(route: Route): string {
  switch (route.view) {
    case 'builds':
      return '#/builds';
    case 'plan':
      return route.project ? `#/plan/${encodeURIComponent(route.project)}` : '#/plan';
    case 'agents':
    case 'groups':
      return `#/${route.view}`;
    case 'build': {
      const params = new URLSearchParams();
      if (route.job) params.set('job', route.job);
      if (route.line) params.set('line', String(route.line));
      const query = params.toString();
      return `#/builds/${encodeURIComponent(route.build)}/${route.tab}${query ? `?${query}` : ''}`;
    }
  }
}
