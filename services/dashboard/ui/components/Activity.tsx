// What happened to an app, newest first: builds, releases, scaling,
// restarts, policy, maintenance and domain changes, and who did them.

import type { ActivityView } from '../types.js';
import { api, appPath } from '../api.js';
import { Link } from '../router.js';
import { Ago, Pending, StateBadge, useLoad } from './common.js';

const REFRESH_MS = 10_000;

export function Activity({ app }: { app: string }) {
  const activity = useLoad(
    (signal) => api<ActivityView[]>(appPath(app, '/activity?limit=100'), { signal }),
    [app],
    REFRESH_MS,
  );
  if (!activity.data) return <Pending loaded={activity} />;
  return (
    <section class="card" data-testid="activity">
      <div class="card-head">
        <h2>Activity</h2>
      </div>
      {activity.data.length === 0 ? (
        <p class="empty">Nothing yet.</p>
      ) : (
        <ul class="list feed" data-testid="activity-list">
          {activity.data.map((a) => (
            <li key={a.id} class={`feed-item feed-${a.kind}`} data-testid="activity-item" data-kind={a.kind}>
              <span class="feed-kind">{a.kind}</span>
              <div class="feed-body">
                <div data-testid="activity-description">
                  {a.description}
                  {a.build && (
                    <>
                      {' '}
                      <StateBadge state={a.build.status} testid="activity-build-status" />{' '}
                      <Link href={appPath(app, `/builds/${encodeURIComponent(a.build.id)}`)}>output</Link>
                    </>
                  )}
                  {a.release && <span class="muted"> · v{a.release.version}</span>}
                </div>
                <div class="muted small">
                  {a.user.email ?? 'the platform'} · <Ago at={a.at} />
                </div>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
