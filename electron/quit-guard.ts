// Quitting never cancels work behind the user's back. When this app's coordinator has builds
// running (on this machine or on agents), or this machine is lent to the farm, quitting asks
// first; when the app only joined a coordinator another process owns, quitting stops nothing.
import { activeBuilds } from './farm-view';
import type { FarmView } from './farm-view';

export interface QuitContext {
  /** The app joined a coordinator owned by another process (that one keeps running). */
  joined: boolean;
  lending: boolean;
}

export type QuitDecision =
  | { ask: false }
  | { ask: true; message: string; detail: string; buttons: [quit: string, stay: string]; defaultButton: 1 };

/** Whether to ask before quitting, and what to ask. */
export function quitDecision(view: FarmView, context: QuitContext): QuitDecision {
  const builds = context.joined ? [] : activeBuilds(view);
  if (builds.length === 0 && !context.lending) return { ask: false };
  const consequences: string[] = [];
  if (builds.length > 0) {
    const names = builds.slice(0, 5).map((build) => build.build).join(', ');
    const more = builds.length > 5 ? ` and ${builds.length - 5} more` : '';
    consequences.push(`${builds.length === 1 ? 'Build' : 'Builds'} ${names}${more} will be canceled, on this machine and on agents.`);
  }
  if (context.lending) consequences.push('This machine stops lending itself to the farm; jobs it runs for teammates are canceled.');
  return {
    ask: true,
    message: builds.length > 0 ? 'Cancel running builds and quit?' : 'Stop lending this machine and quit?',
    detail: consequences.join('\n'),
    buttons: [builds.length > 0 ? 'Cancel builds and quit' : 'Quit', 'Keep running'],
    defaultButton: 1,
  };
}
