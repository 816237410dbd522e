import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../services/core/logger.js';
import type { CertificateRecord } from '../../../services/core/types.js';
import { AcmeWorker } from '../../../services/controller/certs/auto.js';
import { loadConfig } from '../../../services/controller/config.js';
import { startPebble, type Pebble } from '../../support/pebble.js';
import { uniquePrefix } from '../../support/env.js';
import { waitFor } from '../../support/run.js';
import { TestCa, type Issued } from '../../support/tls.js';
import { startController, type Harness } from '../controller/harness.js';
import { startApp, startRouter, type RouterHarness, type TestApp, putRoute } from './helpers.js';

// Automatic certificates through the real router: the controller's API and
// AcmeWorker, Pebble (Let's Encrypt's test server) validating HTTP-01 against
// the router's nginx on its HTTP port (the challenge answered from the shared
// dict), and the certificate Pebble issued then served by the router's HTTPS
// for the custom domain, picked by SNI; the app's own name keeps the fallback.

const dir = mkdtempSync(join(tmpdir(), 'router-acme-'));
const DOMAIN = 'www.shop.acme.test';
let pebble: Pebble;
let api: Harness;
let r: RouterHarness;
let worker: AcmeWorker;
let app: TestApp;
let ca: TestCa;
let fallback: Issued;

/** The leaf served for `servername` on the router's HTTPS port (checked here, not by node:tls). */
const served = (servername: string): Promise<X509Certificate> =>
  new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port: r.httpsPort as number, servername, rejectUnauthorized: false });
    s.once('secureConnect', () => {
      const raw = s.getPeerCertificate().raw;
      s.end();
      resolve(new X509Certificate(raw));
    });
    s.once('error', reject);
  });

beforeAll(async () => {
  ca = TestCa.create('router-acme');
  fallback = ca.issue('fallback', ['*.apps.test']);
  const prefix = uniquePrefix('router-acme');
  r = await startRouter('router-acme', {
    https: { certificate: fallback.certFile, key: fallback.keyFile },
    prefix,
  });
  pebble = await startPebble({ httpPort: r.httpPort });
  writeFileSync(join(dir, 'pebble-ca.pem'), pebble.ca);
  const acmeEnv = {
    PAAS_ACME_DIRECTORY_URL: pebble.directoryUrl,
    PAAS_ACME_CA_FILE: join(dir, 'pebble-ca.pem'),
    PAAS_ACME_CHECK_MS: '200',
    // the router the controller checks each challenge at before Pebble validates it (certs/selfcheck.ts)
    PAAS_HTTP_PORT: String(r.httpPort),
  };
  api = await startController('router-acme', { ...acmeEnv, PAAS_ETCD_PREFIX: prefix });
  const settings = loadConfig({ ...acmeEnv, PAAS_INTERNAL_TOKEN: 'x'.repeat(20) }).acme!;
  worker = new AcmeWorker(api.store, { ...settings, retryMs: 600_000 }, createLogger('acme', 'silent'));
  app = await startApp('shop');
  const token = api.adminToken;
  expect((await api.call('POST', '/apps', { token, body: { name: 'shop' } })).status).toBe(201);
  expect((await api.call('POST', '/apps/shop/domains', { token, body: { hostname: DOMAIN } })).status).toBe(201);
  // the route the scheduler would write for the running app
  await putRoute(api.store, 'shop', app.address, [DOMAIN]);
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await pebble?.stop();
  await r?.stop();
  await api?.close();
  await app?.close();
  ca?.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe('automatic certificates through the router', () => {
  it('certs:auto:enable: Pebble validates through nginx, and the router serves what it issued, by SNI', async () => {
    const fb = new X509Certificate(fallback.crt).fingerprint256;
    expect((await served(DOMAIN)).fingerprint256).toBe(fb); // none yet
    const on = await api.call('POST', '/apps/shop/certs/auto', { token: api.adminToken });
    expect(on.status).toBe(201);
    const started = Date.now();
    worker.start();
    const issued = await waitFor('an ACME certificate', 60_000, async () => {
      const c = await api.store.get<CertificateRecord>(api.store.keys.cert('shop'));
      return c?.source === 'acme' ? c : undefined;
    });
    const leaf = await waitFor('the router to serve it', 30_000, async () => {
      const c = await served(DOMAIN);
      return c.fingerprint256 === issued.sha256Fingerprint ? c : undefined;
    });
    console.log(`certs:auto:enable to serving the ACME certificate: ${Date.now() - started} ms`);
    expect(leaf.subjectAltName).toBe(`DNS:${DOMAIN}`);
    expect(leaf.issuer).toMatch(/Pebble/);
    // Pebble asked nginx for the challenge: its validation log names the domain
    expect(pebble.output()).toMatch(new RegExp(`${DOMAIN.replace(/\./g, '\\.')}`));
    // the app's own name is no custom domain: still the fallback
    expect((await served('shop.apps.test')).fingerprint256).toBe(fb);
    const status = await api.call('GET', '/apps/shop/certs/auto', { token: api.adminToken });
    expect(status.body.domains).toMatchObject([{ hostname: DOMAIN, status: 'ok' }]);
  });
});
