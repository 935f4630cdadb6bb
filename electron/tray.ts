// The tray icon: its menu is rebuilt from tray-menu.ts's model whenever the farm view or the
// lending state changes. Created after app 'ready' (Electron needs it), refreshed by main.ts.
import { Menu, nativeImage, Tray } from 'electron';
import type { FarmView } from './farm-view';
import { buildTrayMenu, toElectronMenu, trayTooltip } from './tray-menu';
import type { LendingStatus, TrayAction } from './tray-menu';

export interface DesktopTrayInput {
  icon: string;
  view: FarmView;
  lending(): LendingStatus;
  dispatch(action: TrayAction): void;
}

export interface DesktopTray {
  create(): void;
  refresh(): void;
}

export function createDesktopTray(input: DesktopTrayInput): DesktopTray {
  let tray: Tray | undefined;
  let lastMenu = '';
  const refresh = () => {
    if (!tray) return;
    const model = buildTrayMenu(input.view, { lending: input.lending() });
    // Rebuilding an open menu closes it on some systems: only when something shown changed.
    const key = JSON.stringify(model);
    if (key === lastMenu) return;
    lastMenu = key;
    tray.setContextMenu(Menu.buildFromTemplate(toElectronMenu(model, input.dispatch)));
    tray.setToolTip(trayTooltip(input.view));
  };
  return {
    create() {
      if (tray) return;
      tray = new Tray(nativeImage.createFromPath(input.icon));
      refresh();
    },
    refresh,
  };
}
