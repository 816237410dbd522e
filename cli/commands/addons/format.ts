import { keyValues, table } from '../../format.js';
import type { AddonChangeView, AddonView } from '../../../services/core/api.js';

// Text the addons commands print.

/** "2 releases: shop v4, reports v2" style: which releases an add-on change made. */
export function releasesText(change: Pick<AddonChangeView, 'releases'>): string {
  return change.releases.map((r) => `${r.app} v${r.version}`).join(', ');
}

/** `paas addons`: one row per add-on, its attachments as `app::ALIAS`. */
export function addonsText(addons: readonly AddonView[], scope: string): string {
  if (addons.length === 0) return `No add-ons for ${scope}. Create one with \`paas addons:create postgresql -a APP\`.`;
  return table(
    addons.map((a) => [
      a.name,
      `${a.kind} (${a.plan})`,
      a.app,
      a.state,
      a.attachments.map((t) => `${t.app}::${t.name}`).join(', '),
    ]),
    ['Add-on', 'Kind (plan)', 'Owner', 'State', 'Attached as'],
  );
}

/** `paas addons:info`. */
export function addonInfoText(a: AddonView): string {
  return [
    `=== ${a.name}`,
    keyValues([
      ['Kind', a.kind],
      ['Plan', `${a.plan} (${a.memory_mb} MB, ${a.cpu_shares / 1024} CPU)`],
      ['Owner', a.app],
      ['State', a.state],
      ['Host', a.host ?? '(none yet)'],
      ['Restarts', String(a.restarts)],
      ['Created', a.created_at],
      [
        'Attachments',
        a.attachments.map((t) => `${t.app}::${t.name} (${t.config_vars.join(', ')})`).join('\n') || '(none)',
      ],
    ]),
  ].join('\n');
}
