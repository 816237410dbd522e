// An app's config vars, edited in place: each change (add, change, remove)
// is one PATCH, which makes a release; the vars are then shown as it left them.

import { useState } from 'preact/hooks';
import type { ConfigVars as Vars } from '../../../core/api.js';
import { api, appPath, send } from '../api.js';
import { ErrorBox, Notice, Pending, useAction, useLoad } from './common.js';

export function ConfigVars({ app, onChange }: { app: string; onChange: () => void }) {
  const vars = useLoad((signal) => api<Vars>(appPath(app, '/config-vars'), { signal }), [app]);
  const action = useAction();
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [editing, setEditing] = useState<string | undefined>(undefined);

  /** Sends the patch; true when it was taken. */
  const patch = async (body: Record<string, string | null>, what: string): Promise<boolean> => {
    setNotice(undefined);
    return action.run(async () => {
      const res = await send(`/api${appPath(app, '/config-vars')}`, { method: 'PATCH', body });
      const version = res.headers.get('Paas-Release-Version');
      await vars.reload();
      setNotice(version ? `${what}: released v${version}` : what);
      setEditing(undefined);
      onChange();
    });
  };

  if (!vars.data) return <Pending loaded={vars} />;
  const keys = Object.keys(vars.data).sort();
  return (
    <section class="card" data-testid="config">
      <div class="card-head">
        <h2>Config vars</h2>
      </div>
      <ErrorBox error={action.error} testid="config-error" />
      {notice && <Notice testid="config-notice">{notice}</Notice>}
      <table class="table config" data-testid="config-table">
        <tbody>
          {keys.length === 0 && (
            <tr>
              <td class="empty" colSpan={3}>
                No config vars.
              </td>
            </tr>
          )}
          {keys.map((key) => (
            <VarRow
              key={key}
              name={key}
              value={vars.data?.[key] ?? ''}
              editing={editing === key}
              busy={action.busy}
              onEdit={() => {
                action.clear();
                setEditing(key);
              }}
              onCancel={() => setEditing(undefined)}
              onSave={(value) => patch({ [key]: value }, `Set ${key}`)}
              onRemove={() => patch({ [key]: null }, `Removed ${key}`)}
            />
          ))}
        </tbody>
      </table>
      <AddVar busy={action.busy} onAdd={(key, value) => patch({ [key]: value }, `Set ${key}`)} />
    </section>
  );
}

interface VarRowProps {
  name: string;
  value: string;
  editing: boolean;
  busy: boolean;
  onEdit: () => void;
  onCancel: () => void;
  onSave: (value: string) => Promise<boolean>;
  onRemove: () => Promise<boolean>;
}

function VarRow(p: VarRowProps) {
  const [draft, setDraft] = useState(p.value);
  return (
    <tr data-testid="config-row" data-key={p.name}>
      <td class="mono key" data-testid="config-key">
        {p.name}
      </td>
      {p.editing ? (
        <td colSpan={2}>
          <form
            class="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              void p.onSave(draft);
            }}
          >
            <textarea
              class="mono"
              rows={Math.min(8, Math.max(1, draft.split('\n').length))}
              value={draft}
              onInput={(e) => setDraft(e.currentTarget.value)}
              aria-label={`${p.name} value`}
              data-testid="config-input"
            />
            <button type="submit" class="primary" disabled={p.busy} data-testid="config-save">
              Save
            </button>
            <button type="button" onClick={p.onCancel} data-testid="config-cancel">
              Cancel
            </button>
          </form>
        </td>
      ) : (
        <>
          <td class="mono value" data-testid="config-value">
            {p.value}
          </td>
          <td class="actions">
            <button
              type="button"
              onClick={() => {
                setDraft(p.value);
                p.onEdit();
              }}
              disabled={p.busy}
              data-testid="config-edit"
            >
              Edit
            </button>
            <button
              type="button"
              class="danger"
              onClick={() => void p.onRemove()}
              disabled={p.busy}
              data-testid="config-remove"
            >
              Remove
            </button>
          </td>
        </>
      )}
    </tr>
  );
}

function AddVar({ busy, onAdd }: { busy: boolean; onAdd: (key: string, value: string) => Promise<boolean> }) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    if (await onAdd(key.trim(), value)) {
      setKey('');
      setValue('');
    }
  };
  return (
    <form class="inline-form add-var" onSubmit={(e) => void submit(e)} data-testid="config-add-form">
      <input
        class="mono"
        placeholder="KEY"
        required
        value={key}
        onInput={(e) => setKey(e.currentTarget.value)}
        aria-label="New config var name"
        data-testid="config-new-key"
      />
      <input
        class="mono grow"
        placeholder="VALUE"
        value={value}
        onInput={(e) => setValue(e.currentTarget.value)}
        aria-label="New config var value"
        data-testid="config-new-value"
      />
      <button type="submit" class="primary" disabled={busy} data-testid="config-add">
        Add
      </button>
    </form>
  );
}
