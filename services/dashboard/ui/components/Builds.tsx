// An app's builds, newest first; a build opened (/apps/<app>/builds/<id>)
// shows its whole output, followed while the build runs.

import { useEffect } from 'preact/hooks';
import type { BuildOutputView, BuildView } from '../../../core/api.js';
import { api, appPath } from '../api.js';
import { Link } from '../router.js';
import { plain } from '../text.js';
import { Ago, Pending, StateBadge, useLoad } from './common.js';

const REFRESH_MS = 5_000;
const RUNNING_MS = 2_000;

const running = (status: string) => status === 'pending' || status === 'building';

export function Builds({ app, open }: { app: string; open?: string }) {
  const builds = useLoad((signal) => api<BuildView[]>(appPath(app, '/builds'), { signal }), [app], REFRESH_MS);
  if (!builds.data) return <Pending loaded={builds} />;
  const list = [...builds.data].sort((a, b) => b.created_at.localeCompare(a.created_at));
  return (
    <section class="card" data-testid="builds">
      <div class="card-head">
        <h2>Builds</h2>
      </div>
      {list.length === 0 ? (
        <p class="empty">
          No builds yet: <code>git push paas main</code>.
        </p>
      ) : (
        <ul class="list builds" data-testid="builds-list">
          {list.map((b) => (
            <li key={b.id} data-testid="build-row" data-build={b.id} class={b.id === open ? 'open' : ''}>
              <div class="build-head">
                <StateBadge state={b.status} testid="build-status" />
                <span class="mono">{b.source_blob.version.slice(0, 7) || '—'}</span>
                <span>{b.user.email}</span>
                <Ago at={b.created_at} />
                {b.release && <span class="muted">v{b.release.version}</span>}
                <Link
                  href={appPath(app, b.id === open ? '/builds' : `/builds/${encodeURIComponent(b.id)}`)}
                  class="push-right"
                  data-testid="build-toggle"
                >
                  {b.id === open ? 'Hide output' : 'Show output'}
                </Link>
              </div>
              {b.failure && <div class="error inline">{b.failure}</div>}
              {b.id === open && <BuildOutput app={app} id={b.id} />}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function BuildOutput({ app, id }: { app: string; id: string }) {
  const output = useLoad(
    (signal) => api<BuildOutputView>(appPath(app, `/builds/${encodeURIComponent(id)}/output`), { signal }),
    [app, id],
  );
  const more = output.data && running(output.data.status);
  // while it builds, again every 2 s
  useEffect(() => {
    if (!more) return;
    const timer = setInterval(() => void output.reload(), RUNNING_MS);
    return () => clearInterval(timer);
  }, [more, output.reload]);
  if (!output.data) return <Pending loaded={output} />;
  const o = output.data;
  return (
    <div class="output-wrap">
      {o.truncated_bytes > 0 && <div class="muted small">({o.truncated_bytes} bytes cut from the start)</div>}
      <pre class="output" data-testid="build-output">
        {o.lines.map(plain).join('\n')}
      </pre>
    </div>
  );
}
