import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateRecord } from '../../../services/core/types.js';
import { TestCa } from '../../support/tls.js';
import { startController, type Harness } from './harness.js';

// Uploaded certificates through the real controller over the real etcd:
// certs:add stores what the routers need (the key too) and answers without
// the key; every bad upload is refused with its reason and stores nothing.

const ca = TestCa.create('certs-api');
const shop = ca.issue('shop', ['www.shop.example.test', 'shop.example.test']);
const renewed = ca.issue('renewed', ['www.shop.example.test']);
const elsewhere = ca.issue('elsewhere', ['other.example.test']);
let h: Harness;
const path = '/apps/shop/certs';
const upload = (c: { crt: string; key: string }, extra: Record<string, unknown> = {}) => ({
  certificate_chain: c.crt,
  private_key: c.key,
  ...extra,
});
const stored = () => h.store.get<CertificateRecord>(h.store.keys.cert('shop'));

beforeAll(async () => {
  h = await startController('certs');
  const token = h.adminToken;
  expect((await h.call('POST', '/apps', { token, body: { name: 'shop' } })).status).toBe(201);
  expect(
    (await h.call('POST', '/apps/shop/domains', { token, body: { hostname: 'www.shop.example.test' } })).status,
  ).toBe(201);
});

afterAll(async () => {
  await h?.close();
  ca.remove();
});

describe('certs API', () => {
  it('refuses bad uploads with their reason and stores nothing', async () => {
    const token = h.adminToken;
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [upload(elsewhere), 422, /none of shop's domains/],
      [upload({ crt: shop.crt, key: elsewhere.key }), 422, /key/i],
      [upload({ crt: 'not a certificate', key: shop.key }), 422, /PEM/],
      [{ private_key: shop.key }, 422, /certificate/i],
    ];
    for (const [body, status, message] of cases) {
      const res = await h.call('POST', path, { token, body });
      expect([res.status, res.body.message]).toEqual([status, expect.stringMatching(message)]);
    }
    const huge = await h.call('POST', path, {
      token,
      body: upload({ crt: 'x'.repeat(10 * 1024 * 1024), key: shop.key }),
    });
    expect(huge.status).toBe(413);
    expect(await stored()).toBeUndefined();
    expect((await h.call('GET', path, { token })).body).toEqual([]);
  });

  it('adds, shows (never the key), updates and removes the certificate', async () => {
    const token = h.adminToken;
    const added = await h.call('POST', path, { token, body: upload(shop) });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ id: 'current', source: 'upload', covers: ['www.shop.example.test'] });
    expect(JSON.stringify(added.body)).not.toContain('PRIVATE KEY');
    expect((await stored())?.keyPem).toContain('PRIVATE KEY');
    expect((await h.call('POST', path, { token, body: upload(shop) })).status).toBe(409); // one at a time: update it

    const list = await h.call('GET', path, { token });
    expect(list.body.map((c: { domains: string[] }) => c.domains)).toEqual([
      ['www.shop.example.test', 'shop.example.test'],
    ]);
    expect(JSON.stringify(list.body)).not.toContain('PRIVATE KEY');

    const bad = await h.call('PUT', `${path}/current`, { token, body: upload({ crt: renewed.crt, key: shop.key }) });
    expect(bad.status).toBe(422);
    expect((await stored())?.sha256Fingerprint).toBe(added.body.sha256_fingerprint); // the old one stays
    const updated = await h.call('PUT', `${path}/current`, { token, body: upload(renewed) });
    expect(updated.status).toBe(200);
    expect(updated.body.sha256_fingerprint).not.toBe(added.body.sha256_fingerprint);

    expect((await h.call('DELETE', `${path}/current`, { token })).status).toBe(200);
    expect(await stored()).toBeUndefined();
    expect((await h.call('GET', `${path}/current`, { token })).status).toBe(404);
    expect((await h.call('DELETE', `${path}/current`, { token })).status).toBe(404);
  });
});
