// The live DAG: pipelines as groups, jobs as boxes, needs/depends_on as edges. Pan (drag), zoom (wheel
// or +/-), fit, search by name, arrow keys between jobs. Past `cullAbove` jobs only the boxes and edges
// in view are rendered, so 2,000 jobs pan and update smoothly.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useSize } from '../views/farm-context';
import { JobBox } from './job-box';
import { nearestInDirection, visibleIds, type View } from './viewport';
import { useDagLayout } from './use-layout';

const cullAbove = 300;
/** Below this zoom job boxes are drawn without text. */
const compactBelow = 0.4;

export interface DagViewProps {
  selected: string | undefined;
  onSelect: (job: string) => void;
  onOpen: (job: string) => void;
}

/** The DAG of the build (or plan) on screen. */
export function DagView({ selected, onSelect, onOpen }: DagViewProps) {
  const frame = useRef<HTMLDivElement>(null);
  const size = useSize(frame);
  const { layout, forShape, error } = useDagLayout();
  const [view, setView] = useState<View>({ x: 0, y: 0, zoom: 1 });
  const [query, setQuery] = useState('');
  const [matchIndex, setMatchIndex] = useState(0);
  const fittedShape = useRef(-1);
  const drag = useRef<{ x: number; y: number; viewX: number; viewY: number } | null>(null);

  const fit = useCallback(() => {
    if (!layout || size.width === 0) return;
    const zoom = Math.min(1, (size.width - 32) / Math.max(1, layout.width), (size.height - 32) / Math.max(1, layout.height));
    const clamped = Math.max(0.05, zoom);
    setView({ zoom: clamped, x: (size.width - layout.width * clamped) / 2, y: Math.max(16, (size.height - layout.height * clamped) / 2) });
  }, [layout, size.width, size.height]);

  // A new DAG is fitted to the window; a large one starts readable at its top left instead (Fit shows all).
  useEffect(() => {
    if (layout && size.width > 0 && fittedShape.current !== forShape) {
      fittedShape.current = forShape;
      if (Object.keys(layout.boxes).length > cullAbove) setView({ x: 16, y: 16, zoom: 0.75 });
      else fit();
    }
  }, [layout, forShape, size.width, fit]);

  const matches = useMemo(() => {
    const needle = query.trim().toLowerCase();
    if (!needle || !layout) return [];
    return Object.keys(layout.boxes).filter((id) => id.toLowerCase().includes(needle));
  }, [query, layout]);
  const matchSet = useMemo(() => new Set(matches), [matches]);

  const centerOn = useCallback((id: string) => {
    const box = layout?.boxes[id];
    if (!box) return;
    setView((current) => ({ ...current, x: size.width / 2 - (box.x + box.width / 2) * current.zoom, y: size.height / 2 - (box.y + box.height / 2) * current.zoom }));
  }, [layout, size.width, size.height]);

  const culled = layout ? Object.keys(layout.boxes).length > cullAbove : false;
  const shown = useMemo(() => {
    if (!layout) return [];
    const ids = culled ? visibleIds(layout, view, size) : Object.keys(layout.boxes);
    if (selected && layout.boxes[selected] && !ids.includes(selected)) ids.push(selected);
    return ids;
  }, [layout, culled, view, size, selected]);
  const shownSet = useMemo(() => new Set(shown), [shown]);

  // Keyboard focus follows the selected job; a box scrolled out of view is brought back first.
  useEffect(() => {
    if (!selected || !frame.current?.contains(document.activeElement)) return;
    frame.current.querySelector<HTMLElement>(`[data-job-id="${CSS.escape(selected)}"]`)?.focus({ preventScroll: true });
  }, [selected, shown]);

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (!layout || (event.target as HTMLElement).tagName === 'INPUT') return;
    const directions: Record<string, 'left' | 'right' | 'up' | 'down'> = { ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down' };
    const direction = directions[event.key];
    if (direction) {
      event.preventDefault();
      const next = selected && layout.boxes[selected] ? nearestInDirection(layout, selected, direction) : Object.keys(layout.boxes)[0];
      if (next) {
        onSelect(next);
        centerIfHidden(next);
      }
    } else if (event.key === 'Enter' && selected) onOpen(selected);
    else if (event.key === '+' || event.key === '=') zoomBy(1.2, size.width / 2, size.height / 2);
    else if (event.key === '-') zoomBy(1 / 1.2, size.width / 2, size.height / 2);
    else if (event.key === 'f') fit();
  };

  function centerIfHidden(id: string) {
    const box = layout!.boxes[id]!;
    const left = box.x * view.zoom + view.x;
    const top = box.y * view.zoom + view.y;
    if (left < 0 || top < 0 || left + box.width * view.zoom > size.width || top + box.height * view.zoom > size.height) centerOn(id);
  }

  function zoomBy(factor: number, atX: number, atY: number) {
    setView((current) => {
      const zoom = Math.min(3, Math.max(0.05, current.zoom * factor));
      return { zoom, x: atX - ((atX - current.x) * zoom) / current.zoom, y: atY - ((atY - current.y) * zoom) / current.zoom };
    });
  }

  useEffect(() => {
    const element = frame.current;
    if (!element) return;
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const rect = element.getBoundingClientRect();
      zoomBy(event.deltaY < 0 ? 1.1 : 1 / 1.1, event.clientX - rect.left, event.clientY - rect.top);
    };
    element.addEventListener('wheel', onWheel, { passive: false });
    return () => element.removeEventListener('wheel', onWheel);
  }, []);

  const findNext = () => {
    if (matches.length === 0) return;
    const id = matches[matchIndex % matches.length]!;
    setMatchIndex(matchIndex + 1);
    onSelect(id);
    centerOn(id);
  };

  return (
    <div className="dag">
      <div className="dag-tools">
        <input type="search" placeholder="Find a job (Enter for next)" aria-label="Find a job" value={query}
          onChange={(event) => { setQuery(event.target.value); setMatchIndex(0); }}
          onKeyDown={(event) => event.key === 'Enter' && findNext()} />
        <span className="muted">{query ? `${matches.length} found` : `${layout ? Object.keys(layout.boxes).length : 0} jobs`}</span>
        <button type="button" onClick={() => zoomBy(1.2, size.width / 2, size.height / 2)} aria-label="Zoom in">+</button>
        <button type="button" onClick={() => zoomBy(1 / 1.2, size.width / 2, size.height / 2)} aria-label="Zoom out">−</button>
        <button type="button" onClick={fit}>Fit</button>
        <Legend />
      </div>
      <div ref={frame} className="dag-frame" tabIndex={0} aria-label="Job graph: arrow keys move between jobs, Enter opens the log" onKeyDown={onKeyDown}
        onPointerDown={(event) => {
          if ((event.target as HTMLElement).closest('.job')) return;
          drag.current = { x: event.clientX, y: event.clientY, viewX: view.x, viewY: view.y };
          (event.currentTarget as HTMLElement).setPointerCapture(event.pointerId);
        }}
        onPointerMove={(event) => {
          const start = drag.current;
          if (start) setView((current) => ({ ...current, x: start.viewX + event.clientX - start.x, y: start.viewY + event.clientY - start.y }));
        }}
        onPointerUp={() => (drag.current = null)}>
        {error && <p className="error">The layout failed: {error}</p>}
        {!layout && !error && <p className="muted loading">Laying out…</p>}
        {layout && (
          <div className="dag-plane" style={{ transform: `translate(${view.x}px, ${view.y}px) scale(${view.zoom})`, width: layout.width, height: layout.height }}>
            {layout.groups.map((group) => (
              <div key={group.pipeline} className="pipeline-group" data-pipeline={group.pipeline} style={{ left: group.x, top: group.y, width: group.width, height: group.height }}>
                <span className="pipeline-name">{group.pipeline}</span>
              </div>
            ))}
            <svg className="edges" width={layout.width} height={layout.height}>
              {layout.edges.filter((edge) => !culled || shownSet.has(edge.from) || shownSet.has(edge.to)).map((edge) => {
                const from = layout.boxes[edge.from]!;
                const to = layout.boxes[edge.to]!;
                const [x1, y1, x2, y2] = [from.x + from.width, from.y + from.height / 2, to.x, to.y + to.height / 2];
                const bend = Math.max(24, (x2 - x1) / 2);
                const lit = selected === edge.from || selected === edge.to;
                return <path key={`${edge.from}>${edge.to}`} className={lit ? 'edge lit' : 'edge'} d={`M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`} />;
              })}
            </svg>
            {shown.map((id) => (
              <JobBox key={id} id={id} box={layout.boxes[id]!} selected={id === selected} match={matchSet.has(id)} compact={view.zoom < compactBelow} onSelect={onSelect} onOpen={onOpen} />
            ))}
          </div>
        )}
      </div>
    </div>
  );
}

function Legend() {
  return (
    <span className="legend muted">
      <span className="legend-cached">cached</span> · <span className="legend-batch">batch</span> · <span className="legend-wait">wait</span> on a resource group · double-click or Enter: log
    </span>
  );
}
