// The apps the user owns or collaborates on, each with its state and URL.

import { api } from '../api.js';
import { Ago, ExternalLink, Pending, StateBadge, useLoad } from '../components/common.js';
import { Link } from '../router.js';
import { stateOf, type AppSummary } from '../types.js';

const REFRESH_MS = 10_000;

export function AppsList() {
  const apps = useLoad((signal) => api<AppSummary[]>('/apps', { signal }), [], REFRESH_MS);
  return (
    <section data-testid="apps-page">
      <div class="page-head">
        <h1>Apps</h1>
      </div>
      {!apps.data ? (
        <Pending loaded={apps} />
      ) : apps.data.length === 0 ? (
        <div class="card empty" data-testid="apps-empty">
          No apps yet. Create one with <code>paas apps:create</code> and <code>git push paas main</code>.
        </div>
      ) : (
        <ul class="card list apps" data-testid="apps-list">
          {[...apps.data]
            .sort((a, b) => a.name.localeCompare(b.name))
            .map((app) => (
              <li key={app.id} class="app-row" data-testid="app-row" data-app={app.name}>
                <div class="app-main">
                  <Link href={`/apps/${encodeURIComponent(app.name)}`} class="app-name" data-testid="app-link">
                    {app.name}
                  </Link>
                  <StateBadge state={stateOf(app)} />
                </div>
                <div class="app-meta">
                  <ExternalLink href={app.web_url} testid="app-url" />
                  <span class="muted">
                    {app.release ? `v${app.release.version}` : 'no release'} · created <Ago at={app.created_at} />
                  </span>
                </div>
              </li>
            ))}
        </ul>
      )}
    </section>
  );
}
