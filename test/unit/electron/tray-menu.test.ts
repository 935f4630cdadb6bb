import { describe, expect, it, vi } from 'vitest';
import { activeBuilds, applyEvents, buildProgress, createFarmView } from '../../../electron/farm-view';
import { buildTrayMenu, describeBuild, toElectronMenu, trayTooltip } from '../../../electron/tray-menu';
import type { TrayItem } from '../../../electron/tray-menu';
import { agentEvent, buildEvent, jobEvent, waitingOn } from './events';

/** A build b-0002 with 4 jobs: one done, one cached, one running, one waiting. */
function busyFarm() {
  return applyEvents(createFarmView(), [
    buildEvent('b-0002', 'running', 1),
    jobEvent('b-0002', 'app/lint', 'queued', 1),
    jobEvent('b-0002', 'app/compile', 'queued', 1),
    jobEvent('b-0002', 'app/test', 'queued', 1),
    jobEvent('b-0002', 'app/deploy', 'queued', 1),
    jobEvent('b-0002', 'app/lint', 'success', 5),
    jobEvent('b-0002', 'app/compile', 'cached', 6),
    jobEvent('b-0002', 'app/test', 'running', 7, { agent: 'local' }),
    jobEvent('b-0002', 'app/deploy', 'waiting', 8, { waiting: waitingOn('staging') }),
    { type: 'log', build: 'b-0002', job: 'app/test', seq: 1, stream: 'stdout', data: 'ok\n', at: 9 },
  ]);
}

const labels = (items: TrayItem[]): string[] => items.map((item) => ('label' in item ? item.label : '---'));

describe('farm view', () => {
  it('counts a build progress from its jobs', () => {
    const view = busyFarm();
    const build = view.builds.get('b-0002');
    expect(build && buildProgress(build)).toEqual({ done: 2, total: 4, running: 1, waiting: 1 });
  });

  it('keeps the time a job entered its state across repeated events', () => {
    const view = busyFarm();
    applyEvents(view, [jobEvent('b-0002', 'app/deploy', 'waiting', 50, { waiting: waitingOn('staging', 1) })]);
    expect(view.builds.get('b-0002')?.jobs.get('app/deploy')?.since).toBe(8);
  });

  it('drops a finished build from the active list', () => {
    const view = busyFarm();
    applyEvents(view, [buildEvent('b-0002', 'failed', 60)]);
    expect(activeBuilds(view)).toEqual([]);
  });

  it('keeps only the newest 20 finished builds', () => {
    const view = createFarmView();
    for (let index = 1; index <= 30; index += 1) applyEvents(view, [buildEvent(`b-${String(index).padStart(4, '0')}`, 'success', index)]);
    applyEvents(view, [buildEvent('b-0031', 'running', 31)]);
    expect(view.builds.size).toBe(21);
    expect(view.builds.has('b-0010')).toBe(false);
    expect(view.builds.has('b-0011')).toBe(true);
  });

  it('tracks agents', () => {
    const view = applyEvents(createFarmView(), [agentEvent('m-1', 'online', 1, 'build-box'), agentEvent('m-1', 'offline', 2, 'build-box')]);
    expect(view.agents.get('m-1')).toMatchObject({ state: 'offline', since: 2 });
  });
});

describe('tray menu', () => {
  it('lists running builds with progress, then the window, lending and quit', () => {
    const items = buildTrayMenu(busyFarm(), { lending: { state: 'off' } });
    expect(labels(items)).toEqual(['b-0002 running: 2/4 jobs (50%), 1 waiting', '---', 'Open Farmhand', 'Lend this machine to my farm', '---', 'Quit Farmhand']);
    expect(items[0]).toMatchObject({
      kind: 'submenu',
      items: [
        { kind: 'action', label: 'Open', action: { type: 'open-build', build: 'b-0002' } },
        { kind: 'action', label: 'Cancel build', action: { type: 'cancel-build', build: 'b-0002' } },
      ],
    });
  });

  it('says when nothing runs', () => {
    const view = applyEvents(busyFarm(), [buildEvent('b-0002', 'success', 70)]);
    expect(labels(buildTrayMenu(view, { lending: { state: 'off' } }))[0]).toBe('No builds running');
    expect(trayTooltip(view)).toBe('Farmhand: idle');
  });

  it('shows lending as a checkbox: checked when on, disabled while it changes or cannot', () => {
    const lending = (status: Parameters<typeof buildTrayMenu>[1]['lending']) => buildTrayMenu(createFarmView(), { lending: status }).find((item) => item.kind === 'checkbox');
    expect(lending({ state: 'on' })).toMatchObject({ checked: true, enabled: true, action: { type: 'toggle-lending' } });
    expect(lending({ state: 'off' })).toMatchObject({ checked: false, enabled: true });
    expect(lending({ state: 'busy' })).toMatchObject({ enabled: false });
    expect(lending({ state: 'unavailable', reason: 'agent.yml is invalid' })).toMatchObject({ enabled: false, label: 'Lend this machine to my farm (agent.yml is invalid)' });
  });

  it('summarises builds past the limit', () => {
    const view = createFarmView();
    for (let index = 1; index <= 5; index += 1) applyEvents(view, [buildEvent(`b-000${index}`, 'running', index)]);
    const items = buildTrayMenu(view, { lending: { state: 'off' }, maximumBuilds: 3 });
    expect(labels(items).slice(0, 4)).toEqual(['b-0001 running: 0/0 jobs (0%)', 'b-0002 running: 0/0 jobs (0%)', 'b-0003 running: 0/0 jobs (0%)', 'and 2 more']);
    expect(trayTooltip(view)).toBe('Farmhand: 5 builds running');
  });

  it('rounds progress down, so a build shows 100% only when done', () => {
    const view = createFarmView();
    applyEvents(view, [buildEvent('b-0009', 'running', 1), ...Array.from({ length: 3 }, (_, index) => jobEvent('b-0009', `p/j${index}`, index < 2 ? 'success' : 'running', 2))]);
    const build = view.builds.get('b-0009');
    expect(build && describeBuild(build)).toBe('b-0009 running: 2/3 jobs (66%)');
  });

  it('turns into Electron menu items whose clicks dispatch the actions', () => {
    const dispatch = vi.fn();
    const menu = toElectronMenu(buildTrayMenu(busyFarm(), { lending: { state: 'on' } }), dispatch);
    const build = menu[0];
    const submenu = build?.submenu as { label?: string; click?: () => void }[];
    submenu.find((item) => item.label === 'Cancel build')?.click?.();
    menu.find((item) => item.type === 'checkbox')?.click?.(undefined as never, undefined as never, undefined as never);
    expect(dispatch.mock.calls).toEqual([[{ type: 'cancel-build', build: 'b-0002' }], [{ type: 'toggle-lending' }]]);
    expect(menu.find((item) => item.type === 'checkbox')?.checked).toBe(true);
    expect(menu[1]).toEqual({ type: 'separator' });
  });
});
