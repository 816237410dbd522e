// An app's domains: its default name and the custom ones (added and removed
// here; their DNS is the owner's to point at the platform).

import { useState } from 'preact/hooks';
import type { DomainView } from '../../../core/api.js';
import { api, appPath } from '../api.js';
import { Ago, ErrorBox, Pending, useAction, useLoad } from './common.js';

export function Domains({ app }: { app: string }) {
  const domains = useLoad((signal) => api<DomainView[]>(appPath(app, '/domains'), { signal }), [app]);
  const action = useAction();
  const [hostname, setHostname] = useState('');

  const add = async (e: Event) => {
    e.preventDefault();
    const ok = await action.run(async () => {
      await api(appPath(app, '/domains'), { method: 'POST', body: { hostname: hostname.trim() } });
      await domains.reload();
    });
    if (ok) setHostname('');
  };
  const remove = (name: string) =>
    action.run(async () => {
      await api(appPath(app, `/domains/${encodeURIComponent(name)}`), { method: 'DELETE' });
      await domains.reload();
    });

  if (!domains.data) return <Pending loaded={domains} />;
  return (
    <section class="card" data-testid="domains">
      <div class="card-head">
        <h2>Domains</h2>
      </div>
      <ErrorBox error={action.error} />
      <table class="table" data-testid="domains-table">
        <tbody>
          {domains.data.map((d) => (
            <tr key={d.id} data-testid="domain-row" data-hostname={d.hostname}>
              <td class="mono">{d.hostname}</td>
              <td>
                <span class="muted">{d.kind}</span>
              </td>
              <td class="wide-only">
                <Ago at={d.created_at} />
              </td>
              <td class="actions">
                {d.kind === 'custom' && (
                  <button
                    type="button"
                    class="danger"
                    disabled={action.busy}
                    onClick={() => void remove(d.hostname)}
                    data-testid="domain-remove"
                  >
                    Remove
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="inline-form" onSubmit={(e) => void add(e)}>
        <input
          class="mono grow"
          placeholder="www.example.com"
          required
          value={hostname}
          onInput={(e) => setHostname(e.currentTarget.value)}
          aria-label="Custom domain"
          data-testid="domain-new"
        />
        <button type="submit" class="primary" disabled={action.busy} data-testid="domain-add">
          Add domain
        </button>
      </form>
    </section>
  );
}
