// The window's entry: one store, one bridge to the coordinator (this page's own origin), the hash route,
// and React on #root.
import { createRoot } from 'react-dom/client';
import { createBridge, findToken, type SocketLike } from './state/bridge';
import { parseRoute } from './state/routes';
import { createFarmStore } from './state/store';
import { App } from './views/app';
import { FarmContext } from './views/farm-context';

const store = createFarmStore();
const bridge = createBridge({
  store,
  origin: location.origin,
  token: findToken(location.search, document.cookie),
  fetch: (url, init) => fetch(url, { ...init, credentials: 'same-origin' }),
  openSocket: (url) => new WebSocket(url) as unknown as SocketLike,
  setTimeout: (run, ms) => window.setTimeout(run, ms),
  clearTimeout: (handle) => window.clearTimeout(handle as number),
  now: () => Date.now(),
});

const syncRoute = () => store.getState().setRoute(parseRoute(location.hash));
window.addEventListener('hashchange', syncRoute);
syncRoute();
bridge.start();

// The e2e harness and bench:ui read the store through this handle; the window itself never does.
(window as unknown as { farmhand: unknown }).farmhand = { store };

createRoot(document.getElementById('root')!).render(
  <FarmContext.Provider value={{ store, api: bridge.api }}>
    <App />
  </FarmContext.Provider>,
);
