// An app: its name, state and URL over tabs, each a path of its own
// (/apps/<name>/<tab>), so that Back and a reload keep the tab.

import { api, appPath } from '../api.js';
import { ExternalLink, Pending, StateBadge, useLoad } from '../components/common.js';
import { Activity } from '../components/Activity.js';
import { Builds } from '../components/Builds.js';
import { ConfigVars } from '../components/ConfigVars.js';
import { Domains } from '../components/Domains.js';
import { Logs } from '../components/Logs.js';
import { Metrics } from '../components/Metrics.js';
import { Overview } from '../components/Overview.js';
import { Releases } from '../components/Releases.js';
import { Link } from '../router.js';
import { stateOf, type AppSummary } from '../types.js';

const REFRESH_MS = 5_000;

const TABS = [
  ['overview', 'Overview'],
  ['releases', 'Releases'],
  ['config', 'Config vars'],
  ['domains', 'Domains'],
  ['builds', 'Builds'],
  ['logs', 'Logs'],
  ['metrics', 'Metrics'],
  ['activity', 'Activity'],
] as const;

type Tab = (typeof TABS)[number][0];

export function AppPage({ app, tab, id }: { app: string; tab: string; id?: string }) {
  const info = useLoad((signal) => api<AppSummary>(appPath(app), { signal }), [app], REFRESH_MS);
  const current = (TABS.find(([t]) => t === tab)?.[0] ?? 'overview') as Tab;

  if (!info.data) return <Pending loaded={info} />;
  const a = info.data;
  /** After a change that makes a release or moves dynos: the header's state and version again. */
  const changed = () => void info.reload();

  return (
    <section class="app-page" data-testid="app-page" data-app={a.name}>
      <div class="page-head">
        <div>
          <h1 data-testid="app-name">{a.name}</h1>
          <div class="app-meta">
            <StateBadge state={stateOf(a)} />
            <ExternalLink href={a.web_url} testid="app-url" />
            <span class="muted" data-testid="app-release">
              {a.release ? `v${a.release.version}` : 'no release yet'}
            </span>
            {a.maintenance && <span class="badge badge-maintenance">maintenance</span>}
          </div>
        </div>
      </div>
      <nav class="tabs" data-testid="app-tabs">
        {TABS.map(([t, label]) => (
          <Link
            key={t}
            href={appPath(a.name, t === 'overview' ? '' : `/${t}`)}
            class={t === current ? 'tab active' : 'tab'}
            data-testid={`tab-${t}`}
          >
            {label}
          </Link>
        ))}
      </nav>
      <div class="tab-body">
        {current === 'overview' && <Overview app={a} onChange={changed} />}
        {current === 'releases' && <Releases app={a.name} onChange={changed} />}
        {current === 'config' && <ConfigVars app={a.name} onChange={changed} />}
        {current === 'domains' && <Domains app={a.name} />}
        {current === 'builds' && <Builds app={a.name} open={id} />}
        {current === 'logs' && <Logs app={a.name} />}
        {current === 'metrics' && <Metrics app={a.name} />}
        {current === 'activity' && <Activity app={a.name} />}
      </div>
    </section>
  );
}
