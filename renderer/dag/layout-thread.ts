// The layout Web Worker: receives { id, input } and answers { id, layout }, so dagre never blocks the
// window's main thread. Bundled on its own as dist/renderer/layout-thread.js.
import { layoutDag, type LayoutInput } from './dag-layout';

const scope = globalThis as unknown as { onmessage: ((message: { data: { id: number; input: LayoutInput } }) => void) | null; postMessage(data: unknown): void };

scope.onmessage = (message) => {
  const { id, input } = message.data;
  try {
    scope.postMessage({ id, layout: layoutDag(input) });
  } catch (error) {
    scope.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
};
