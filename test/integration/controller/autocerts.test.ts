import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../services/core/logger.js';
import type { AcmeChallenge, AutoCertRecord, CertificateRecord } from '../../../services/core/types.js';
import { AcmeWorker } from '../../../services/controller/certs/auto.js';
import { loadConfig } from '../../../services/controller/config.js';
import { startPebble, type Pebble } from '../../support/pebble.js';
import { waitFor } from '../../support/run.js';
import { startController, type Harness } from './harness.js';

// Automatic certificates end to end against Pebble: certs:auto:enable, the
// controller's AcmeWorker orders a certificate for the app's custom domains,
// HTTP-01 answered from the AcmeChallenge records (by a server here, as the
// router answers them), stored as the app's certificate; a failing order
// marks its domains failing with the ACME error and keeps the certificate.

const PREFIX = '/.well-known/acme-challenge/';
const dir = mkdtempSync(join(tmpdir(), 'autocerts-'));
let pebble: Pebble;
let server: Server;
let h: Harness;
let worker: AcmeWorker;

beforeAll(async () => {
  server = createServer((req, res) => {
    void (async () => {
      const host = (req.headers.host ?? '').split(':')[0] ?? '';
      const token = req.url?.startsWith(PREFIX) ? req.url.slice(PREFIX.length) : '';
      const c =
        token && !host.startsWith('broken.')
          ? await h.store.get<AcmeChallenge>(h.store.keys.acmeChallenge(token))
          : undefined;
      res.statusCode = c ? 200 : 404;
      res.end(c?.keyAuthorization ?? 'no such challenge');
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  pebble = await startPebble({ httpPort: (server.address() as AddressInfo).port });
  writeFileSync(join(dir, 'pebble-ca.pem'), pebble.ca);
  const env = {
    PAAS_ACME_DIRECTORY_URL: pebble.directoryUrl,
    PAAS_ACME_CA_FILE: join(dir, 'pebble-ca.pem'),
    PAAS_ACME_SELF_CHECK_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  };
  h = await startController('autocerts', { ...env, PAAS_ACME_CHECK_MS: '200', PAAS_ACME_RETRY_MS: '600000' });
  const settings = loadConfig({ ...env, PAAS_INTERNAL_TOKEN: 'x'.repeat(20), PAAS_ACME_CHECK_MS: '200' }).acme!;
  worker = new AcmeWorker(h.store, { ...settings, retryMs: 600_000 }, createLogger('acme', 'silent'));
  const token = h.adminToken;
  expect((await h.call('POST', '/apps', { token, body: { name: 'shop' } })).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await h?.close();
  await pebble?.stop();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const cert = () => h.store.get<CertificateRecord>(h.store.keys.cert('shop'));
const status = async () => (await h.call('GET', '/apps/shop/certs/auto', { token: h.adminToken })).body;

describe('automatic certificates', () => {
  it('refuses to turn on for an app with no custom domain', async () => {
    const res = await h.call('POST', '/apps/shop/certs/auto', { token: h.adminToken });
    expect([res.status, res.body.message]).toEqual([422, expect.stringMatching(/no custom domain/)]);
    expect((await status()).enabled).toBe(false);
  });

  it('orders a certificate for the custom domains and serves it; a failing order keeps it', async () => {
    const token = h.adminToken;
    await h.call('POST', '/apps/shop/domains', { token, body: { hostname: 'www.shop.paas.test' } });
    const on = await h.call('POST', '/apps/shop/certs/auto', { token });
    expect(on.status).toBe(201);
    expect(on.body.domains).toMatchObject([{ hostname: 'www.shop.paas.test', status: 'pending' }]);
    worker.start();
    const issued = await waitFor('an ACME certificate', 60_000, async () => {
      const c = await cert();
      return c?.source === 'acme' ? c : undefined;
    });
    expect(issued.domains).toEqual(['www.shop.paas.test']);
    await waitFor('status ok', 10_000, async () => ((await status()).domains[0]?.status === 'ok' ? true : undefined));
    const list = await h.call('GET', '/apps/shop/certs', { token });
    expect(list.body).toMatchObject([{ source: 'acme', covers: ['www.shop.paas.test'] }]);
    // an uploaded certificate is refused while automatic ones are on
    expect(
      (await h.call('POST', '/apps/shop/certs', { token, body: { certificate_chain: 'x', private_key: 'y' } })).status,
    ).toBe(409);

    await h.call('POST', '/apps/shop/domains', { token, body: { hostname: 'broken.shop.paas.test' } });
    const failing = await waitFor('the order failing', 60_000, async () => {
      const v = await status();
      return v.domains.some((d: { status: string }) => d.status === 'failing') ? v : undefined;
    });
    expect(failing.domains.find((d: { hostname: string }) => d.hostname === 'broken.shop.paas.test')?.reason).toMatch(
      /broken\.shop\.paas\.test/,
    );
    expect(failing.domains.find((d: { hostname: string }) => d.hostname === 'www.shop.paas.test')?.status).toBe('ok');
    expect((await cert())?.sha256Fingerprint).toBe(issued.sha256Fingerprint); // the one that serves stays

    expect((await h.call('DELETE', '/apps/shop/certs/auto', { token })).status).toBe(200);
    expect(await cert()).toBeUndefined();
    expect(await h.store.get<AutoCertRecord>(h.store.keys.autoCert('shop'))).toBeUndefined();
  });
});
