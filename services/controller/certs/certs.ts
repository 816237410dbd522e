import type { CertView } from '../../core/api.js';
import { certificateRecord, coveredDomains, parseCertificateUpload } from '../../core/certs.js';
import { conflict, invalid, notFound } from '../../core/errors.js';
import type { App, AutoCertRecord, CertificateRecord } from '../../core/types.js';
import type { Deps } from '../deps.js';
import { customDomainsOf } from '../domains/domains.js';

// Uploaded certificates, Heroku's `certs:*`: one per app under
// /certs/<app> (CertificateRecord), checked before anything is stored (the
// key matches, valid now, chained, covering at least one of the app's
// domains: core/certs.ts). Routers serve it by SNI for the app's names it
// covers. The private key is stored for the routers and never answered.

/** The id of an app's certificate in the API: one at a time. */
export const CERT_ID = 'current';

/** The app's domains: its default name, then its custom domains. */
async function appDomains(deps: Deps, app: App): Promise<string[]> {
  const custom = await customDomainsOf(deps.store, app.name);
  return [`${app.name}.${deps.urls.domain}`, ...custom.map((d) => d.hostname)];
}

export function certView(c: CertificateRecord, covers: readonly string[], warnings?: readonly string[]): CertView {
  return {
    id: CERT_ID,
    source: c.source,
    domains: c.domains,
    covers: [...covers],
    issuer: c.issuer,
    subject: c.subject,
    not_before: c.notBefore,
    not_after: c.notAfter,
    sha256_fingerprint: c.sha256Fingerprint,
    serial: c.serial,
    self_signed: c.selfSigned,
    updated_at: c.updatedAt,
    ...(warnings && warnings.length > 0 && { warnings: [...warnings] }),
  };
}

/** The app's certificate, as a list of none or one (`paas certs`). */
export async function listCerts(deps: Deps, app: App): Promise<CertView[]> {
  const c = await deps.store.get<CertificateRecord>(deps.store.keys.cert(app.name));
  return c ? [certView(c, coveredDomains(c, await appDomains(deps, app)))] : [];
}

export async function certInfo(deps: Deps, app: App, id: string): Promise<CertView> {
  const [c] = id === CERT_ID ? await listCerts(deps, app) : [];
  if (!c)
    throw notFound(`${app.name} has no certificate${id === CERT_ID ? '' : ` ${id}`}. Add one with \`paas certs:add\`.`);
  return c;
}

/**
 * Stores an uploaded certificate for the app: new (`replace` false: refused when it has one) or in place of the one
 * it has (`replace` true: refused when it has none). Refused, and nothing stored, when the upload is not valid
 * (core/certs.ts), covers none of the app's domains, or automatic certificates manage the app's.
 */
export async function putCert(
  deps: Deps,
  app: App,
  body: Record<string, unknown>,
  replace: boolean,
): Promise<CertView> {
  const { store } = deps;
  const auto = await store.get<AutoCertRecord>(store.keys.autoCert(app.name));
  if (auto?.enabled)
    throw conflict(`${app.name} has automatic certificates; disable them first with \`paas certs:auto:disable\``);
  const force = body.force === true;
  const upload = parseCertificateUpload(body.certificate_chain, body.private_key, new Date(), { force });
  const domains = await appDomains(deps, app);
  const covers = coveredDomains(upload.cert, domains);
  if (covers.length === 0)
    throw invalid(
      `The certificate covers ${upload.cert.domains.join(', ')}, none of ${app.name}'s domains (${domains.join(', ')}). ` +
        'Add the domain first with `paas domains:add`.',
    );
  const key = store.keys.cert(app.name);
  const record = certificateRecord(
    app.name,
    'upload',
    upload.cert,
    upload.chainPem,
    upload.keyPem,
    new Date().toISOString(),
  );
  const cur = await store.getVersioned<CertificateRecord>(key);
  if (!replace && cur) throw conflict(`${app.name} has a certificate already; replace it with \`paas certs:update\``);
  if (replace && !cur) throw notFound(`${app.name} has no certificate to update. Add one with \`paas certs:add\`.`);
  const guard = cur ? { key, modRevision: cur.modRevision } : { key, absent: true as const };
  if (!(await store.commit([{ key: store.keys.app(app.name), exists: true }, guard], [{ put: key, value: record }])))
    throw conflict(`${app.name}'s certificate changed meanwhile; try again`);
  return certView(record, covers, upload.warnings);
}

export async function removeCert(deps: Deps, app: App, id: string): Promise<CertView> {
  const { store } = deps;
  const key = store.keys.cert(app.name);
  const cur = id === CERT_ID ? await store.getVersioned<CertificateRecord>(key) : undefined;
  if (!cur) throw notFound(`${app.name} has no certificate${id === CERT_ID ? '' : ` ${id}`}.`);
  if (cur.value.source === 'acme')
    throw conflict(`${app.name}'s certificate is automatic; disable it with \`paas certs:auto:disable\``);
  if (!(await store.commit([{ key, modRevision: cur.modRevision }], [{ delete: key }])))
    throw conflict(`${app.name}'s certificate changed meanwhile; try again`);
  return certView(cur.value, coveredDomains(cur.value, await appDomains(deps, app)));
}
