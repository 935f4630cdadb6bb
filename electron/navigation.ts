// Where the window may go: the app's own origin stays in the window, web links open in the system
// browser, anything else (file:, javascript:, data:, custom schemes) goes nowhere. A pure decision,
// so main.ts only applies it to will-navigate and window.open.

export type NavigationDecision = 'allow' | 'external' | 'deny';

const externalProtocols = new Set(['http:', 'https:', 'mailto:']);

/** Decides what to do with a navigation of the window to `target`, given the app's origin. */
export function decideNavigation(target: string, appOrigin: string): NavigationDecision {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return 'deny';
  }
  if (isAppOrigin(url, appOrigin)) return 'allow';
  if (!externalProtocols.has(url.protocol)) return 'deny';
  // A link with credentials in it is a phishing shape; the browser would show it, we do not.
  if (url.username || url.password) return 'deny';
  return 'external';
}

/** True when `url` is on the app's origin (scheme, host and port all equal). */
export function isAppOrigin(url: URL | string, appOrigin: string): boolean {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return false;
  }
  // URL.origin is the string "null" for opaque origins (file:, data:): never equal to a real one.
  return parsed.origin !== 'null' && parsed.origin === appOrigin;
}
