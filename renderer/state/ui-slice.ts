// The ui slice: route, connection to the coordinator, the job in focus, and notices for the user.
import type { StateCreator } from 'zustand/vanilla';
import type { Route } from './routes';
import type { FarmState } from './store';

/** `reconnecting` after the event socket dropped; `unauthorized` when the API refused the token. */
export type Connection = 'connecting' | 'open' | 'reconnecting' | 'unauthorized';

export interface Notice {
  kind: 'error' | 'info';
  text: string;
}

export interface UiSlice {
  route: Route;
  connection: Connection;
  /** Sequence number of the last event applied; the bridge replays from here after a reconnect. */
  lastSeq: number;
  /** When the next reconnect attempt happens (ms since the epoch), while reconnecting. */
  reconnectAt: number | null;
  notice: Notice | null;
  search: string;
  setRoute(route: Route): void;
  setConnection(connection: Connection, reconnectAt?: number | null): void;
  setLastSeq(seq: number): void;
  setNotice(notice: Notice | null): void;
  setSearch(search: string): void;
}

/** Window-wide state that is not data from the farm. */
export const createUiSlice: StateCreator<FarmState, [], [], UiSlice> = (set) => ({
  route: { view: 'builds' },
  connection: 'connecting',
  lastSeq: 0,
  reconnectAt: null,
  notice: null,
  search: '',
  setRoute(route) {
    set({ route });
  },
  setConnection(connection, reconnectAt = null) {
    set({ connection, reconnectAt });
  },
  setLastSeq(seq) {
    set((state) => (seq > state.lastSeq ? { lastSeq: seq } : {}));
  },
  setNotice(notice) {
    set({ notice });
  },
  setSearch(search) {
    set({ search });
  },
});
