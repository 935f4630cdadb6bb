// The Gantt of a build: one lane per agent slot, a bar per attempt (lost attempts striped), the critical
// path outlined, so it is plain where time went and which machine sat idle.
import { useMemo, useRef } from 'react';
import { jobStateLooks } from '../job-states';
import { useFarm, useNow, useSize } from '../views/farm-context';
import { formatDuration } from '../views/format';
import { buildTimeline } from './timeline-model';

const laneHeight = 26;
const labelWidth = 140;
const axisHeight = 22;

/** The timeline of the build on screen. */
export function TimelineView({ onSelect }: { onSelect: (job: string) => void }) {
  const frame = useRef<HTMLDivElement>(null);
  const { width } = useSize(frame);
  const jobs = useFarm((state) => state.dag.jobs);
  const running = useMemo(() => Object.values(jobs).some((job) => job.state === 'running'), [jobs]);
  const now = useNow(running, 500);
  const model = useMemo(() => buildTimeline(jobs, now), [jobs, now]);
  const span = Math.max(1, model.end - model.start);
  const plot = Math.max(200, width - labelWidth - 16);
  const x = (at: number) => labelWidth + ((at - model.start) / span) * plot;
  const ticks = Array.from({ length: 6 }, (_, index) => (span * index) / 5);
  const height = axisHeight + model.lanes.length * laneHeight + 8;
  const critical = model.critical.length;

  return (
    <div className="timeline" ref={frame}>
      <p className="muted">
        {model.lanes.length} slot lanes · {formatDuration(span)} · critical path: {critical > 0 ? model.critical.join(' → ') : 'none yet'}
      </p>
      {model.lanes.length === 0 && <p className="empty">No attempt has started yet: bars appear as jobs run.</p>}
      {model.lanes.length > 0 && (
        <svg width={labelWidth + plot + 8} height={height} role="img" aria-label="Timeline of attempts per agent slot">
          <defs>
            <pattern id="lost-stripes" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
              <rect width="3" height="6" fill={jobStateLooks.lost.colour} />
            </pattern>
          </defs>
          {ticks.map((offset, index) => (
            <g key={offset}>
              <line className="tick" x1={x(model.start + offset)} x2={x(model.start + offset)} y1={axisHeight - 4} y2={height} />
              <text className="tick-label" x={x(model.start + offset)} y={12} textAnchor={index === 0 ? 'start' : index === ticks.length - 1 ? 'end' : 'middle'}>{formatDuration(offset)}</text>
            </g>
          ))}
          {model.lanes.map((lane, index) => {
            const top = axisHeight + index * laneHeight;
            return (
              <g key={`${lane.agent}#${lane.slot}`} data-lane={`${lane.agent}#${lane.slot}`}>
                <text className="lane-label" x={4} y={top + laneHeight / 2 + 4}>{`${lane.agent} · slot ${lane.slot}`}</text>
                <line className="lane-line" x1={labelWidth} x2={labelWidth + plot} y1={top + laneHeight} y2={top + laneHeight} />
                {lane.bars.map((bar) => (
                  <rect key={`${bar.job}.${bar.attempt}`} data-bar={`${bar.job}#${bar.attempt}`} data-state={bar.state}
                    className={`bar${bar.critical ? ' critical' : ''}${bar.open ? ' open' : ''}`}
                    x={x(bar.start)} y={top + 3} width={Math.max(2, x(bar.end) - x(bar.start))} height={laneHeight - 6} rx={3}
                    fill={bar.state === 'lost' ? 'url(#lost-stripes)' : jobStateLooks[bar.state].colour} onClick={() => onSelect(bar.job)}>
                    <title>{`${bar.job} attempt ${bar.attempt}: ${bar.state}, ${formatDuration(bar.end - bar.start)}${bar.critical ? ' (critical path)' : ''}`}</title>
                  </rect>
                ))}
              </g>
            );
          })}
        </svg>
      )}
    </div>
  );
}
