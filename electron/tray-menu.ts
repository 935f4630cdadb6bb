// The tray menu as plain data: running builds with their progress (each with open and cancel),
// open the window, the "lend this machine to my farm" toggle, quit. main.ts turns the model into an
// Electron menu (toElectronMenu) and rebuilds it when events arrive.
import type { MenuItemConstructorOptions } from 'electron';
import { activeBuilds, buildProgress } from './farm-view';
import type { BuildView, FarmView } from './farm-view';

export type TrayAction =
  | { type: 'open-window' }
  | { type: 'open-build'; build: string }
  | { type: 'cancel-build'; build: string }
  | { type: 'toggle-lending' }
  | { type: 'quit' };

export type TrayItem =
  | { kind: 'label'; label: string }
  | { kind: 'separator' }
  | { kind: 'action'; label: string; action: TrayAction; enabled?: boolean }
  | { kind: 'checkbox'; label: string; checked: boolean; action: TrayAction; enabled?: boolean }
  | { kind: 'submenu'; label: string; items: TrayItem[] };

/** State of "lend this machine": off, starting/stopping, on, or unavailable (no agent.yml, say). */
export type LendingStatus = { state: 'off' | 'on' | 'busy' } | { state: 'unavailable'; reason: string };

export interface TrayContext {
  lending: LendingStatus;
  /** Builds shown at most; the rest are summarised in one line. */
  maximumBuilds?: number;
}

/** One line for a build: `b-0004 running: 7/12 jobs (58%), 2 waiting`. */
export function describeBuild(build: BuildView): string {
  const progress = buildProgress(build);
  const percent = progress.total === 0 ? 0 : Math.floor((progress.done / progress.total) * 100);
  const waiting = progress.waiting > 0 ? `, ${progress.waiting} waiting` : '';
  return `${build.build} ${build.state}: ${progress.done}/${progress.total} jobs (${percent}%)${waiting}`;
}

/** The tray menu for the current farm view. */
export function buildTrayMenu(view: FarmView, context: TrayContext): TrayItem[] {
  const limit = context.maximumBuilds ?? 8;
  const builds = activeBuilds(view);
  const items: TrayItem[] = [];
  if (builds.length === 0) items.push({ kind: 'label', label: 'No builds running' });
  for (const build of builds.slice(0, limit)) {
    items.push({
      kind: 'submenu',
      label: describeBuild(build),
      items: [
        { kind: 'action', label: 'Open', action: { type: 'open-build', build: build.build } },
        { kind: 'action', label: 'Cancel build', action: { type: 'cancel-build', build: build.build } },
      ],
    });
  }
  if (builds.length > limit) items.push({ kind: 'label', label: `and ${builds.length - limit} more` });
  items.push({ kind: 'separator' }, { kind: 'action', label: 'Open Farmhand', action: { type: 'open-window' } });
  items.push(lendingItem(context.lending));
  items.push({ kind: 'separator' }, { kind: 'action', label: 'Quit Farmhand', action: { type: 'quit' } });
  return items;
}

/** The tray tooltip: how many builds run. */
export function trayTooltip(view: FarmView): string {
  const count = activeBuilds(view).length;
  return count === 0 ? 'Farmhand: idle' : `Farmhand: ${count} build${count === 1 ? '' : 's'} running`;
}

/** Turns the model into Electron menu items, each click handed to `dispatch`. */
export function toElectronMenu(items: readonly TrayItem[], dispatch: (action: TrayAction) => void): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    switch (item.kind) {
      case 'label':
        return { label: item.label, enabled: false };
      case 'separator':
        return { type: 'separator' };
      case 'action':
        return { label: item.label, enabled: item.enabled ?? true, click: () => dispatch(item.action) };
      case 'checkbox':
        return { label: item.label, type: 'checkbox', checked: item.checked, enabled: item.enabled ?? true, click: () => dispatch(item.action) };
      case 'submenu':
        return { label: item.label, submenu: toElectronMenu(item.items, dispatch) };
    }
  });
}

function lendingItem(lending: LendingStatus): TrayItem {
  const label = 'Lend this machine to my farm';
  if (lending.state === 'unavailable') return { kind: 'checkbox', label: `${label} (${lending.reason})`, checked: false, enabled: false, action: { type: 'toggle-lending' } };
  return { kind: 'checkbox', label, checked: lending.state === 'on', enabled: lending.state !== 'busy', action: { type: 'toggle-lending' } };
}
