import { appPath } from '../../api.js';
import { appListing } from '../../command.js';
import { table } from '../../format.js';
import type { AutoCertView } from '../../../services/core/api.js';

/** `paas certs:auto`: per custom domain, ok / pending / failing (with the ACME server's error). */
export function autoText(app: string, v: AutoCertView): string {
  if (!v.enabled) return `Automatic certificates are off for ${app}.\nTurn them on with \`paas certs:auto:enable\`.`;
  const rows = v.domains.map((d) => [d.hostname, d.status === 'failing' ? `failing: ${d.reason ?? ''}` : d.status]);
  const next = v.next_at ? `\nNext order: ${v.next_at}` : '';
  return `=== Automatic certificates of ${app}\n${table(rows, ['Domain', 'Status'])}${next}`;
}

export default appListing<AutoCertView>('certs:auto', {
  description: "show the app's automatic certificates (ACME): each custom domain ok, pending or failing",
  example: ['$ paas certs:auto -a my-app', '=== Automatic certificates of my-app'],
  path: (app) => appPath(app, '/certs/auto'),
  text: (app, v) => autoText(app, v),
});
