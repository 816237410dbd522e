// Live logs: a log session (the last 100 lines, then a tail) whose stream is
// read as it comes, through the dashboard's /api; leaving the tab aborts it.

import { useEffect, useRef, useState } from 'preact/hooks';
import type { LogSessionView } from '../../../core/api.js';
import { api, appPath, messageOf, send } from '../api.js';
import { parseLine, type Line } from '../loglines.js';

/** Lines kept on the page; older ones scroll away. */
const MAX_LINES = 2000;
const HISTORY_LINES = 100;

type Status = 'connecting' | 'live' | 'ended' | 'failed';

/** Streams the app's log, calling `onLines` with each batch of complete lines until the stream ends or `signal`. */
async function follow(app: string, signal: AbortSignal, onLive: () => void, onLines: (lines: string[]) => void) {
  const session = await api<LogSessionView>(appPath(app, '/log-sessions'), {
    method: 'POST',
    body: { lines: HISTORY_LINES, tail: true },
    signal,
  });
  const res = await send(`/api${new URL(session.logplex_url).pathname}`, { signal });
  onLive();
  if (!res.body) return;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const parts = (rest + value).split('\n');
    rest = parts.pop() ?? '';
    const lines = parts.filter((l) => l.trim() !== ''); // the heartbeat is an empty line
    if (lines.length) onLines(lines);
  }
  if (rest.trim()) onLines([rest]);
}

export function Logs({ app }: { app: string }) {
  const [lines, setLines] = useState<Line[]>([]);
  const [status, setStatus] = useState<Status>('connecting');
  const [error, setError] = useState<string | undefined>(undefined);
  const [attempt, setAttempt] = useState(0);
  const [stick, setStick] = useState(true);
  const box = useRef<HTMLPreElement>(null);
  const count = useRef(0);

  useEffect(() => {
    const ctl = new AbortController();
    setStatus('connecting');
    setError(undefined);
    follow(
      app,
      ctl.signal,
      () => setStatus('live'),
      (batch) => {
        const parsed = batch.map((l) => parseLine(count.current++, l));
        setLines((prev) => {
          const all = prev.concat(parsed);
          return all.length > MAX_LINES ? all.slice(all.length - MAX_LINES) : all;
        });
      },
    )
      .then(() => !ctl.signal.aborted && setStatus('ended'))
      .catch((err: unknown) => {
        if (ctl.signal.aborted) return;
        setStatus('failed');
        setError(messageOf(err));
      });
    return () => ctl.abort();
  }, [app, attempt]);

  // follow the end while the user has not scrolled up
  useEffect(() => {
    const el = box.current;
    if (el && stick) el.scrollTop = el.scrollHeight;
  }, [lines, stick]);

  const onScroll = () => {
    const el = box.current;
    if (el) setStick(el.scrollHeight - el.scrollTop - el.clientHeight < 40);
  };

  return (
    <section class="card logs" data-testid="logs">
      <div class="card-head">
        <h2>Logs</h2>
        <span class={`live live-${status}`} data-testid="logs-status">
          {status === 'live' ? 'live' : status === 'connecting' ? 'connecting…' : status}
        </span>
        <div class="push-right">
          <button type="button" onClick={() => setLines([])} data-testid="logs-clear">
            Clear
          </button>
          {(status === 'ended' || status === 'failed') && (
            <button type="button" class="primary" onClick={() => setAttempt((a) => a + 1)} data-testid="logs-reconnect">
              Reconnect
            </button>
          )}
        </div>
      </div>
      {error && (
        <div class="error" role="alert" data-testid="logs-error">
          {error}
        </div>
      )}
      <pre class="output log-output" ref={box} onScroll={onScroll} data-testid="logs-output">
        {lines.length === 0 && <span class="muted">{status === 'live' ? 'Waiting for lines…' : ''}</span>}
        {lines.map((l) => (
          <div key={l.n} class="log-line" data-testid="log-line">
            {l.at && <span class="log-at">{l.at.replace(/\.\d+/, '').replace('T', ' ')} </span>}
            {l.source && <span class={`log-src log-${l.source.replace(/\[.*$/, '')}`}>{l.source} </span>}
            <span class="log-text">{l.text}</span>
          </div>
        ))}
      </pre>
    </section>
  );
}
