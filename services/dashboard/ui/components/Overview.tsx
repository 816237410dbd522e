// An app's processes: each type's quantity and size, changed in place (a
// scale makes no release), the dynos that run (state, size, restarts), and a
// restart of them all.

import { useState } from 'preact/hooks';
import type { DynoView, FormationEntryView, SizeView } from '../../../core/api.js';
import { api, appPath } from '../api.js';
import { Ago, ErrorBox, Notice, Pending, StateBadge, useAction, useLoad } from './common.js';
import type { AppSummary } from '../types.js';

const REFRESH_MS = 3_000;

export function Overview({ app, onChange }: { app: AppSummary; onChange: () => void }) {
  const name = app.name;
  const formation = useLoad((signal) => api<FormationEntryView[]>(appPath(name, '/formation'), { signal }), [name]);
  const dynos = useLoad((signal) => api<DynoView[]>(appPath(name, '/dynos'), { signal }), [name], REFRESH_MS);
  const sizes = useLoad((signal) => api<SizeView[]>('/dyno-sizes', { signal }), []);
  const restart = useAction();
  const [notice, setNotice] = useState<string | undefined>(undefined);

  const restartAll = async () => {
    setNotice(undefined);
    if (
      await restart.run(async () => {
        await api(appPath(name, '/dynos'), { method: 'DELETE' });
      })
    ) {
      setNotice('Restarting all dynos');
      void dynos.reload();
      onChange();
    }
  };

  return (
    <div class="stack">
      <section class="card" data-testid="formation">
        <div class="card-head">
          <h2>Process types</h2>
        </div>
        {!formation.data ? (
          <Pending loaded={formation} />
        ) : formation.data.length === 0 ? (
          <p class="empty">No process types yet: push a Procfile (or an app a buildpack knows).</p>
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th>Type</th>
                <th>Quantity</th>
                <th>Size</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {formation.data.map((f) => (
                <ScaleRow
                  key={`${f.type}:${f.quantity}:${f.size}`}
                  app={name}
                  entry={f}
                  sizes={sizes.data ?? []}
                  onScaled={() => {
                    void formation.reload();
                    void dynos.reload();
                    onChange();
                  }}
                />
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section class="card" data-testid="dynos">
        <div class="card-head">
          <h2>Dynos</h2>
          <button type="button" onClick={() => void restartAll()} disabled={restart.busy} data-testid="restart-button">
            Restart all dynos
          </button>
        </div>
        <ErrorBox error={restart.error} />
        {notice && <Notice testid="restart-notice">{notice}</Notice>}
        {!dynos.data ? (
          <Pending loaded={dynos} />
        ) : dynos.data.length === 0 ? (
          <p class="empty" data-testid="dynos-empty">
            No dynos run.
          </p>
        ) : (
          <table class="table" data-testid="dynos-table">
            <thead>
              <tr>
                <th>Dyno</th>
                <th>State</th>
                <th>Size</th>
                <th class="wide-only">Release</th>
                <th class="wide-only">Restarts</th>
                <th class="wide-only">Since</th>
              </tr>
            </thead>
            <tbody>
              {[...dynos.data]
                .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }))
                .map((d) => (
                  <tr key={d.id} data-testid="dyno-row" data-dyno={d.name}>
                    <td class="mono">{d.name}</td>
                    <td>
                      <StateBadge state={d.state} testid="dyno-state" />
                    </td>
                    <td data-testid="dyno-size">{d.size}</td>
                    <td class="wide-only">v{d.release.version}</td>
                    <td class="wide-only">{d.restarts}</td>
                    <td class="wide-only">
                      <Ago at={d.started_at ?? d.updated_at} />
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

function ScaleRow(props: { app: string; entry: FormationEntryView; sizes: SizeView[]; onScaled: () => void }) {
  const { app, entry, sizes } = props;
  const [quantity, setQuantity] = useState(String(entry.quantity));
  const [size, setSize] = useState(entry.size);
  const action = useAction();
  const dirty = quantity !== String(entry.quantity) || size.toLowerCase() !== entry.size.toLowerCase();
  const names = sizes.some((s) => s.name.toLowerCase() === entry.size.toLowerCase())
    ? sizes.map((s) => s.name)
    : [entry.size, ...sizes.map((s) => s.name)];

  const save = async (e: Event) => {
    e.preventDefault();
    const body: { quantity?: number; size?: string } = {};
    if (quantity !== String(entry.quantity)) body.quantity = Number(quantity);
    if (size.toLowerCase() !== entry.size.toLowerCase()) body.size = size;
    if (
      await action.run(async () => {
        await api(appPath(app, `/formation/${encodeURIComponent(entry.type)}`), { method: 'PATCH', body });
      })
    )
      props.onScaled();
  };

  return (
    <tr data-testid="formation-row" data-type={entry.type}>
      <td class="mono">{entry.type}</td>
      <td>
        <input
          class="narrow"
          type="number"
          min={0}
          max={100}
          step={1}
          value={quantity}
          onInput={(e) => setQuantity(e.currentTarget.value)}
          aria-label={`${entry.type} quantity`}
          data-testid="scale-quantity"
        />
      </td>
      <td>
        <select
          value={size}
          onChange={(e) => setSize(e.currentTarget.value)}
          aria-label={`${entry.type} size`}
          data-testid="scale-size"
        >
          {names.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </td>
      <td class="actions">
        <button
          type="button"
          class="primary"
          disabled={!dirty || action.busy}
          onClick={(e) => void save(e)}
          data-testid="scale-submit"
        >
          Scale
        </button>
        {action.error && (
          <div class="error inline" role="alert" data-testid="scale-error">
            {action.error}
          </div>
        )}
      </td>
    </tr>
  );
}
