// Who may talk to the main process: every IPC message must come from a frame showing the app's
// own origin (the coordinator's loopback URL). A page that got into the window some other way (a
// redirect, an iframe of another site) gets a refusal, not a dialog or a file path.
import { isAppOrigin } from './navigation';

/** The part of an Electron IPC event this guard reads (IpcMainInvokeEvent has it). */
export interface IpcSenderEvent {
  readonly senderFrame: { readonly url: string } | null;
}

/** True when the event's sender frame is on the app's origin; false for no frame or another origin. */
export function isTrustedSender(event: IpcSenderEvent, appOrigin: string | undefined): boolean {
  const frameUrl = event.senderFrame?.url;
  if (!appOrigin || !frameUrl) return false;
  return isAppOrigin(frameUrl, appOrigin);
}

/** Thrown back to the renderer (ipcRenderer.invoke rejects with its message). */
export class UntrustedSenderError extends Error {
  constructor(channel: string, frameUrl: string | undefined) {
    super(`refused ${channel}: sender ${frameUrl ?? '(no frame)'} is not the Farmhand window`);
    this.name = 'UntrustedSenderError';
  }
}

/** Wraps an IPC handler so it runs only for trusted senders; `appOrigin` is read at call time. */
export function guardHandler<Args extends unknown[], Result>(
  channel: string,
  appOrigin: () => string | undefined,
  handler: (...args: Args) => Result,
): (event: IpcSenderEvent, ...args: Args) => Result {
  return (event, ...args) => {
    if (!isTrustedSender(event, appOrigin())) throw new UntrustedSenderError(channel, event.senderFrame?.url);
    return handler(...args);
  };
}
