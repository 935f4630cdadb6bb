import { describe, expect, it } from 'vitest';
import { decideNavigation, isAppOrigin } from '../../../electron/navigation';

const origin = 'http://127.0.0.1:43117';

describe('decideNavigation', () => {
  it('keeps the app origin in the window', () => {
    expect(decideNavigation(`${origin}/#/builds/b-0001`, origin)).toBe('allow');
    expect(decideNavigation(`${origin}/api/blobs/abc`, origin)).toBe('allow');
  });

  it('sends web links to the system browser', () => {
    expect(decideNavigation('https://example.org/docs', origin)).toBe('external');
    expect(decideNavigation('http://example.org/', origin)).toBe('external');
    expect(decideNavigation('mailto:team@example.org', origin)).toBe('external');
  });

  it('treats another port or host on loopback as outside the app', () => {
    expect(decideNavigation('http://127.0.0.1:43118/', origin)).toBe('external');
    expect(decideNavigation('http://localhost:43117/', origin)).toBe('external');
    expect(decideNavigation('https://127.0.0.1:43117/', origin)).toBe('external');
  });

  it('goes nowhere for local files, scripts, data and custom schemes', () => {
    for (const target of ['file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,<b>x</b>', 'vscode://open', 'ftp://example.org/', 'not a url', '']) {
      expect(decideNavigation(target, origin), target).toBe('deny');
    }
  });

  it('refuses links with credentials in them', () => {
    expect(decideNavigation('https://user:secret@example.org/', origin)).toBe('deny');
  });
});

describe('isAppOrigin', () => {
  it('never matches an opaque origin', () => {
    expect(isAppOrigin('file:///x', 'null')).toBe(false);
    expect(isAppOrigin('::bad', origin)).toBe(false);
  });
});
