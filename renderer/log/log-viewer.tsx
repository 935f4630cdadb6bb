// A job's log: virtualised rows (only what is on screen is in the DOM, so a 1,000,000-line log scrolls
// freely), ANSI colours, follow mode, search, raw download, and a link on every line number.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState } from 'react';
import { go, useApi, useFarm, useFarmStore } from '../views/farm-context';
import { AnsiLine } from './ansi-line';
import { findLines, rawText } from './log-search';

const rowHeight = 18;

/** The log of one job of one build; `line` (1-based) is scrolled to and marked. */
export function LogViewer({ build, job, line }: { build: string; job: string; line: number | undefined }) {
  const api = useApi();
  const store = useFarmStore();
  const log = useFarm((state) => state.log);
  const jobState = useFarm((state) => state.dag.jobs[job]?.state);
  const scroller = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(line === undefined);
  const [query, setQuery] = useState('');
  const [matches, setMatches] = useState<number[] | null>(null);
  const [matchIndex, setMatchIndex] = useState(0);
  const count = log.build === build && log.job === job ? log.lines.length : 0;

  useEffect(() => {
    void api.openLog(build, job);
  }, [api, build, job]);

  const rows = useVirtualizer({ count, getScrollElement: () => scroller.current, estimateSize: () => rowHeight, overscan: 8 });

  useEffect(() => {
    if (follow && count > 0) rows.scrollToIndex(count - 1, { align: 'end' });
  }, [follow, count, log.version, rows]);

  const lineArrived = line !== undefined && count >= line;
  useEffect(() => {
    if (line !== undefined && lineArrived) {
      setFollow(false);
      rows.scrollToIndex(line - 1, { align: 'center' });
    }
  }, [line, lineArrived, rows]);

  const search = (direction: 1 | -1) => {
    const found = matches ?? findLines(store.getState().log.lines, query);
    if (!matches) setMatches(found);
    if (found.length === 0) return;
    const next = matches ? (matchIndex + direction + found.length) % found.length : 0;
    setMatchIndex(next);
    setFollow(false);
    rows.scrollToIndex(found[next]!, { align: 'center' });
  };
  const current = matches && matches.length > 0 ? matches[matchIndex] : undefined;

  const download = () => {
    const url = URL.createObjectURL(new Blob([rawText(store.getState().log.lines)], { type: 'text/plain' }));
    const anchor = document.createElement('a');
    anchor.href = url;
    anchor.download = `${build}-${job.replaceAll('/', '_')}.log`;
    anchor.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  return (
    <div className="log">
      <div className="log-tools">
        <strong>{job}</strong>
        <span className="muted">{count.toLocaleString()} lines{log.loading ? ' · loading…' : ''}{jobState === 'running' ? ' · live' : ''}</span>
        <input type="search" placeholder="Search the log" aria-label="Search the log" value={query}
          onChange={(event) => { setQuery(event.target.value); setMatches(null); }}
          onKeyDown={(event) => event.key === 'Enter' && search(event.shiftKey ? -1 : 1)} />
        {matches && <span className="muted" data-log-matches={matches.length}>{matches.length === 0 ? 'no match' : `${matchIndex + 1} of ${matches.length}`}</span>}
        <button type="button" onClick={() => search(-1)} disabled={!query}>Previous</button>
        <button type="button" onClick={() => search(1)} disabled={!query}>Next</button>
        <label className="check"><input type="checkbox" checked={follow} onChange={() => setFollow(!follow)} /> follow</label>
        <button type="button" onClick={download} disabled={count === 0}>Download raw log</button>
      </div>
      {log.error && <p className="error" role="alert">{log.error}</p>}
      {!log.loading && count === 0 && !log.error && <p className="empty">No output yet{jobState === 'queued' || jobState === 'waiting' ? ': the job has not started' : ''}.</p>}
      <div ref={scroller} className="log-rows" role="log" aria-live="off"
        onScroll={(event) => {
          const element = event.currentTarget;
          const atEnd = element.scrollTop + element.clientHeight >= element.scrollHeight - rowHeight * 2;
          if (follow && !atEnd && !log.loading) setFollow(false);
        }}>
        <div style={{ height: rows.getTotalSize(), position: 'relative' }}>
          {rows.getVirtualItems().map((item) => {
            const row = log.lines[item.index]!;
            const number = item.index + 1;
            const marked = number === line || item.index === current;
            return (
              <div key={item.key} className={`log-line ${row.stream}${marked ? ' marked' : ''}`} data-log-line={number}
                style={{ transform: `translateY(${item.start}px)`, height: rowHeight }}>
                <a className="line-number" href={`#/builds/${encodeURIComponent(build)}/log?job=${encodeURIComponent(job)}&line=${number}`}
                  onClick={(event) => { event.preventDefault(); go({ view: 'build', build, tab: 'log', job, line: number }, true); }}>{number}</a>
                <span className="line-text"><AnsiLine text={row.text} /></span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
