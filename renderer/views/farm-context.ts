// How components reach the store (to select) and the bridge's API (to act): one React context.
import { createContext, useContext, useEffect, useState, type RefObject } from 'react';
import { useStore } from 'zustand';
import type { BridgeApi } from '../state/bridge';
import { formatRoute, type Route } from '../state/routes';
import type { FarmState, FarmStore } from '../state/store';

export interface Farm {
  store: FarmStore;
  api: BridgeApi;
}

export const FarmContext = createContext<Farm | null>(null);

function useFarmContext(): Farm {
  const farm = useContext(FarmContext);
  if (!farm) throw new Error('FarmContext is missing: render views inside <FarmContext.Provider>.');
  return farm;
}

/** Selects from the store; the component re-renders when the selected value changes. */
export function useFarm<T>(selector: (state: FarmState) => T): T {
  return useStore(useFarmContext().store, selector);
}

/** The bridge's API: every action that talks to the coordinator. */
export function useApi(): BridgeApi {
  return useFarmContext().api;
}

/** The store itself, for reading inside effects without subscribing. */
export function useFarmStore(): FarmStore {
  return useFarmContext().store;
}

/** Goes to a route (through the location hash, so back and forward work). */
export function go(route: Route, replace = false): void {
  const hash = formatRoute(route);
  if (replace) history.replaceState(null, '', hash);
  if (replace) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}

/** The size of an element, kept current by a ResizeObserver. */
export function useSize(ref: RefObject<HTMLElement | null>): { width: number; height: number } {
  const [size, setSize] = useState({ width: 0, height: 0 });
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setSize({ width: element.clientWidth, height: element.clientHeight }));
    observer.observe(element);
    setSize({ width: element.clientWidth, height: element.clientHeight });
    return () => observer.disconnect();
  }, [ref]);
  return size;
}

/** Now, ticking every `every` ms while `active`, for durations and running bars. */
export function useNow(active: boolean, every = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), every);
    return () => clearInterval(timer);
  }, [active, every]);
  return now;
}
