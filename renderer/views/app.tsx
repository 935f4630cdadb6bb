// The window's frame: navigation, the connection banner, notices, and the view the route names.
import { useEffect, useState } from 'react';
import { AgentsPanel } from './agents-panel';
import { BuildView } from './build-view';
import { BuildsView } from './builds-view';
import { go, useFarm } from './farm-context';
import { GroupsPanel } from './groups-panel';
import { PlanView } from './plan-view';

const sections = [
  { view: 'builds', label: 'Builds' },
  { view: 'plan', label: 'Plan' },
  { view: 'agents', label: 'Agents' },
  { view: 'groups', label: 'Resource groups' },
] as const;

/** The whole window. */
export function App() {
  const route = useFarm((state) => state.route);
  const current = route.view === 'build' ? 'builds' : route.view;
  return (
    <div className="app">
      <header className="top">
        <span className="brand">Farmhand</span>
        <nav>
          {sections.map((section) => (
            <a key={section.view} href={`#/${section.view}`} className={current === section.view ? 'active' : ''} aria-current={current === section.view ? 'page' : undefined}>
              {section.label}
            </a>
          ))}
        </nav>
      </header>
      <ConnectionBanner />
      <NoticeBar />
      <main>
        {route.view === 'builds' && <BuildsView />}
        {route.view === 'build' && <BuildView route={route} />}
        {route.view === 'plan' && <PlanView project={route.project} />}
        {route.view === 'agents' && <AgentsPanel />}
        {route.view === 'groups' && <GroupsPanel />}
      </main>
    </div>
  );
}

/** Says when the coordinator cannot be reached or refused the token, and what to do. */
function ConnectionBanner() {
  const connection = useFarm((state) => state.connection);
  const reconnectAt = useFarm((state) => state.reconnectAt);
  const [, tick] = useState(0);
  useEffect(() => {
    if (connection !== 'reconnecting') return;
    const timer = setInterval(() => tick((n) => n + 1), 250);
    return () => clearInterval(timer);
  }, [connection]);
  if (connection === 'open' || connection === 'connecting') return null;
  if (connection === 'unauthorized') {
    return <div className="banner error" role="alert" data-connection="unauthorized"><span>The coordinator refused this window&apos;s token. Open the address that <code>farmhand serve</code> printed (it ends in <code>?token=…</code>).</span></div>;
  }
  const seconds = reconnectAt ? Math.max(0, Math.ceil((reconnectAt - Date.now()) / 1000)) : 0;
  return (
    <div className="banner warning" role="status" data-connection="reconnecting">
      <span>Coordinator unreachable — reconnecting{seconds > 0 ? ` in ${seconds}s.` : '…'} Is <code>farmhand serve</code> still running on this address?</span>
    </div>
  );
}

function NoticeBar() {
  const notice = useFarm((state) => state.notice);
  const setNotice = useFarm((state) => state.setNotice);
  if (!notice) return null;
  return (
    <div className={`banner ${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
      <span>{notice.text}</span>
      <button type="button" onClick={() => setNotice(null)} aria-label="Dismiss">×</button>
    </div>
  );
}

export { go };
