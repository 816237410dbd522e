import { appPath } from '../../api.js';
import { appListing } from '../../command.js';
import type { CertView } from '../../../services/core/api.js';
import { expiry } from './index.js';

/** The certs:info lines of a certificate (certs:add and certs:update print them too). */
export function certInfoText(c: CertView): string {
  const rows: [string, string][] = [
    ['Domains served', c.covers.join(', ')],
    ['Certificate names', c.domains.join(', ')],
    ['Subject', c.subject],
    ['Issuer', c.self_signed ? `${c.issuer} (self-signed)` : c.issuer],
    ['Starts at', c.not_before],
    ['Expires at', expiry(c.not_after)],
    ['Fingerprint (SHA-256)', c.sha256_fingerprint],
    ['Type', c.source === 'acme' ? 'Automatic (ACM)' : 'Uploaded'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length)) + 1;
  const lines = rows.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`);
  for (const w of c.warnings ?? []) lines.push(`Warning: ${w}`);
  return lines.join('\n');
}

export default appListing<CertView>('certs:info', {
  description: "show an app's SSL certificate: names, issuer, validity, fingerprint (never its key)",
  example: ['$ paas certs:info -a my-app', 'Domains served:    www.example.com'],
  path: (app) => appPath(app, '/certs/current'),
  text: (app, c) => `=== ${app} SSL certificate\n${certInfoText(c)}`,
});
