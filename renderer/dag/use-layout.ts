// Asks the layout Web Worker (layout-thread.js) to place the DAG on screen whenever its shape changes;
// state changes alone never move a box, so they never wait for a layout.
import { useEffect, useState } from 'react';
import { useFarm, useFarmStore } from '../views/farm-context';
import type { DagLayout, LayoutInput } from './dag-layout';

let thread: Worker | null = null;
let nextRequest = 0;
const waiting = new Map<number, { resolve: (layout: DagLayout) => void; reject: (error: Error) => void }>();

function layoutThread(): Worker {
  if (thread) return thread;
  thread = new Worker(new URL('layout-thread.js', document.baseURI));
  thread.onmessage = (message: MessageEvent<{ id: number; layout?: DagLayout; error?: string }>) => {
    const request = waiting.get(message.data.id);
    waiting.delete(message.data.id);
    if (message.data.layout) request?.resolve(message.data.layout);
    else request?.reject(new Error(message.data.error ?? 'the layout failed'));
  };
  return thread;
}

/** Lays out jobs off the main thread. */
export function requestLayout(input: LayoutInput): Promise<DagLayout> {
  const id = ++nextRequest;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    layoutThread().postMessage({ id, input });
  });
}

/** The layout of the DAG on screen, null until the first one arrives; `forShape` says which shape it is for. */
export function useDagLayout(): { layout: DagLayout | null; forShape: number; error: string | null } {
  const store = useFarmStore();
  const shape = useFarm((state) => state.dag.shape);
  const [result, setResult] = useState<{ layout: DagLayout | null; forShape: number; error: string | null }>({ layout: null, forShape: -1, error: null });
  useEffect(() => {
    let current = true;
    const { jobs, order } = store.getState().dag;
    const input: LayoutInput = { jobs: order.map((id) => ({ id, pipeline: jobs[id]!.pipeline, needs: jobs[id]!.needs })) };
    requestLayout(input).then(
      (layout) => current && setResult({ layout, forShape: shape, error: null }),
      (error: Error) => current && setResult((previous) => ({ ...previous, error: error.message })),
    );
    return () => {
      current = false;
    };
  }, [store, shape]);
  return result;
}
