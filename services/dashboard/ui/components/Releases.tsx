// An app's releases, newest first, each with a rollback to it (a new release
// with that one's build and config).

import { useState } from 'preact/hooks';
import type { ReleaseInfo, ReleaseListEntry } from '../../../core/api.js';
import { api, appPath } from '../api.js';
import { Ago, ErrorBox, Notice, Pending, StateBadge, useAction, useLoad } from './common.js';

const REFRESH_MS = 5_000;

export function Releases({ app, onChange }: { app: string; onChange: () => void }) {
  const releases = useLoad(
    (signal) => api<ReleaseListEntry[]>(appPath(app, '/releases'), { signal }),
    [app],
    REFRESH_MS,
  );
  const action = useAction();
  const [notice, setNotice] = useState<string | undefined>(undefined);

  const rollback = async (version: number) => {
    setNotice(undefined);
    let made: ReleaseInfo | undefined;
    const ok = await action.run(async () => {
      made = await api<ReleaseInfo>(appPath(app, '/releases'), { method: 'POST', body: { release: version } });
    });
    if (ok && made) {
      setNotice(`Rolled back to v${version}: released v${made.version}`);
      await releases.reload();
      onChange();
    }
  };

  if (!releases.data) return <Pending loaded={releases} />;
  const list = [...releases.data].sort((a, b) => b.version - a.version);
  const latest = list[0]?.version;
  return (
    <section class="card" data-testid="releases">
      <div class="card-head">
        <h2>Releases</h2>
      </div>
      <ErrorBox error={action.error} />
      {notice && <Notice testid="release-notice">{notice}</Notice>}
      {list.length === 0 ? (
        <p class="empty">No releases yet.</p>
      ) : (
        <table class="table" data-testid="releases-table">
          <thead>
            <tr>
              <th>Version</th>
              <th>Description</th>
              <th class="wide-only">By</th>
              <th class="wide-only">Status</th>
              <th class="wide-only">When</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.id} data-testid="release-row" data-version={r.version}>
                <td class="mono">v{r.version}</td>
                <td data-testid="release-description">
                  {r.description}
                  {r.failure && <div class="muted small">{r.failure}</div>}
                </td>
                <td class="wide-only">{r.user.email ?? '—'}</td>
                <td class="wide-only">
                  <StateBadge state={r.status} testid="release-status" />
                </td>
                <td class="wide-only">
                  <Ago at={r.created_at} />
                </td>
                <td class="actions">
                  {r.version === latest ? (
                    <span class="muted">current</span>
                  ) : (
                    <button
                      type="button"
                      disabled={action.busy}
                      onClick={() => void rollback(r.version)}
                      title={`Roll back to v${r.version}: a new release with its build and config`}
                      data-testid="rollback-button"
                    >
                      Roll back
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
