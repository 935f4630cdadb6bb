// Pure geometry of the DAG view: which boxes are on screen, and which box is next in a direction.
import type { DagLayout } from './dag-layout';

/** Pan (screen pixels) and zoom of the DAG plane. */
export interface View {
  x: number;
  y: number;
  zoom: number;
}

const margin = 200;

/** Ids of the boxes that intersect the screen (plus a margin, so panning does not show gaps). */
export function visibleIds(layout: DagLayout, view: View, size: { width: number; height: number }): string[] {
  const left = (-view.x - margin) / view.zoom;
  const top = (-view.y - margin) / view.zoom;
  const right = (size.width - view.x + margin) / view.zoom;
  const bottom = (size.height - view.y + margin) / view.zoom;
  const ids: string[] = [];
  for (const [id, box] of Object.entries(layout.boxes)) {
    if (box.x + box.width >= left && box.x <= right && box.y + box.height >= top && box.y <= bottom) ids.push(id);
  }
  return ids;
}

/** The box nearest to `from` in a direction, preferring boxes in line with it; undefined at the edge. */
export function nearestInDirection(layout: DagLayout, from: string, direction: 'left' | 'right' | 'up' | 'down'): string | undefined {
  const origin = layout.boxes[from]!;
  const cx = origin.x + origin.width / 2;
  const cy = origin.y + origin.height / 2;
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const [id, box] of Object.entries(layout.boxes)) {
    if (id === from) continue;
    const dx = box.x + box.width / 2 - cx;
    const dy = box.y + box.height / 2 - cy;
    const along = direction === 'left' ? -dx : direction === 'right' ? dx : direction === 'up' ? -dy : dy;
    const across = direction === 'left' || direction === 'right' ? Math.abs(dy) : Math.abs(dx);
    if (along <= 1) continue;
    const score = along + across * 3;
    if (score < bestScore) [best, bestScore] = [id, score];
  }
  return best;
}
