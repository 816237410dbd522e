import { appPath } from '../../api.js';
import { appListing } from '../../command.js';
import { table } from '../../format.js';
import type { CertView } from '../../../services/core/api.js';

// certs: an app's certificate (certs:add, certs:update, certs:remove change it).

/** The expiry as a person reads it: the date, and how far it is. */
export function expiry(notAfter: string, now = Date.now()): string {
  const days = Math.floor((Date.parse(notAfter) - now) / 86_400_000);
  const date = notAfter.slice(0, 10);
  return days < 0 ? `${date} (expired)` : `${date} (in ${days} day${days === 1 ? '' : 's'})`;
}

export function certsText(app: string, certs: readonly CertView[]): string {
  if (certs.length === 0) return `${app} has no SSL certificates.\nUse \`paas certs:add CRT KEY\` to add one.`;
  return table(
    certs.map((c) => [
      c.id,
      c.covers.join(', '),
      c.issuer,
      expiry(c.not_after),
      c.source === 'acme' ? 'ACM' : 'uploaded',
    ]),
    ['Name', 'Domains', 'Issuer', 'Expires', 'Type'],
  );
}

export default appListing<CertView[]>('certs', {
  description: "list an app's SSL certificate: the domains it serves over HTTPS, issuer and expiry",
  example: ['$ paas certs -a my-app', 'Name     Domains          Issuer       Expires                  Type'],
  path: (app) => appPath(app, '/certs'),
  text: (app, certs) => certsText(app, certs),
});
