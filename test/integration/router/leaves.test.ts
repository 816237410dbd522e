import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateRecord, parseCertificateUpload } from '../../../services/core/certs.js';
import type { Store } from '../../../services/core/store.js';
import { LeafIssuer } from '../../../services/router/leaves.js';
import { TestCa, type Issued } from '../../support/tls.js';
import {
  eventually,
  startApp,
  startRouter,
  type RouterHarness,
  type TestApp,
  putRoute as putAppRoute,
} from './helpers.js';

// Each app's own name over HTTPS, through the real router, etcd and nginx:
// `<app>.<domain>` gets a certificate of its own, issued from the platform CA
// by the router the first time a client asks for the name (leaves.ts), so a
// client that trusts the CA is served with no wildcard involved (curl refuses
// `*.localhost` for `app.localhost`). Issued once however many handshakes
// ask at once, kept by nginx, refused to names the router does not serve, and
// dropped when the router's CA changes.

const run = promisify(execFile);

describe('router: a certificate of its own for each app name, from the platform CA', () => {
  let h: RouterHarness | undefined;
  let store: Store;
  let httpsPort: number;
  let app: TestApp;
  let ca: TestCa;
  let ca2: TestCa;
  let fallback: Issued;
  let own: Issued;

  const putRoute = (name: string) => putAppRoute(store, name, app.address);

  /** The certificate served for `servername` (a handshake, no request), checked by the test, not node:tls. */
  const served = (servername: string): Promise<X509Certificate> =>
    new Promise((resolve, reject) => {
      const socket: TLSSocket = tlsConnect({
        host: '127.0.0.1',
        port: httpsPort,
        servername,
        rejectUnauthorized: false,
      });
      socket.once('secureConnect', () => {
        const raw = socket.getPeerCertificate().raw;
        socket.end();
        resolve(new X509Certificate(raw));
      });
      socket.once('error', reject);
    });
  const asksOf = (name: string) => (h as RouterHarness).leafAsks.filter((n) => n === name).length;
  const caCert = (c: TestCa) => new X509Certificate(c.ca);

  beforeAll(async () => {
    ca = TestCa.create('leaves');
    ca2 = TestCa.create('leaves2');
    fallback = ca.issue('fallback', ['*.apps.test']);
    own = ca.issue('own', ['own.apps.test']);
    const issuer = await LeafIssuer.create(ca.ca, await readFile(join(ca.dir, 'ca.key'), 'utf8'));
    h = await startRouter('router-leaves', {
      https: { certificate: fallback.certFile, key: fallback.keyFile },
      leaves: issuer,
    });
    ({ store } = h);
    httpsPort = h.httpsPort as number;
    app = await startApp('shop');
    await putRoute('shop');
    await putRoute('blog');
    await putRoute('own');
    const up = parseCertificateUpload(own.crt, own.key, new Date());
    await store.put(
      store.keys.cert('own'),
      certificateRecord('own', 'upload', up.cert, up.chainPem, up.keyPem, new Date().toISOString()),
    );
    await eventually(
      async () =>
        (await served('own.apps.test')).fingerprint256 === new X509Certificate(own.crt).fingerprint256
          ? true
          : undefined,
      'the routes and the uploaded certificate to be served',
    );
  });

  afterAll(async () => {
    await h?.stop();
    await app?.close();
    ca?.remove();
    ca2?.remove();
  });

  it('serves an app its own name, which curl trusting only the CA accepts', async () => {
    const cert = await served('shop.apps.test');
    expect(cert.subjectAltName).toBe('DNS:shop.apps.test');
    expect(cert.checkIssued(caCert(ca))).toBe(true);
    const { stdout } = await run('curl', [
      '-sS',
      '--fail',
      '--cacert',
      join(ca.dir, 'ca.crt'),
      '--resolve',
      `shop.apps.test:${httpsPort}:127.0.0.1`,
      `https://shop.apps.test:${httpsPort}/`,
    ]);
    expect(JSON.parse(stdout)).toMatchObject({
      body: 'shop',
      host: `shop.apps.test:${httpsPort}`,
      forwardedProto: 'https',
    });
  });

  it('issues a name once however many handshakes ask at once, and nginx keeps it', async () => {
    const certs = await Promise.all(Array.from({ length: 20 }, () => served('blog.apps.test')));
    expect(new Set(certs.map((c) => c.fingerprint256)).size).toBe(1);
    expect(certs[0]?.subjectAltName).toBe('DNS:blog.apps.test');
    const asked = asksOf('blog.apps.test');
    expect(asked).toBeGreaterThanOrEqual(1);
    expect(asked).toBeLessThanOrEqual(20);
    for (let i = 0; i < 5; i++) expect((await served('blog.apps.test')).fingerprint256).toBe(certs[0]?.fingerprint256);
    expect(asksOf('blog.apps.test')).toBe(asked);
  });

  it("gives the fallback to names the router serves no app at, and an app's uploaded certificate stays its own", async () => {
    const fb = new X509Certificate(fallback.crt).fingerprint256;
    const ownAsked = asksOf('own.apps.test'); // maybe before its certificate was stored
    expect((await served('ghost.apps.test')).fingerprint256).toBe(fb);
    expect(asksOf('ghost.apps.test')).toBe(1);
    expect((await served('ghost.apps.test')).fingerprint256).toBe(fb);
    expect(asksOf('ghost.apps.test')).toBe(1); // the "none" is kept a while too
    expect((await served('x.shop.apps.test')).fingerprint256).toBe(fb); // two labels: not an app's name
    expect((await served('shop.example.test')).fingerprint256).toBe(fb);
    expect(asksOf('x.shop.apps.test') + asksOf('shop.example.test')).toBe(0);
    expect((await served('own.apps.test')).fingerprint256).toBe(new X509Certificate(own.crt).fingerprint256);
    expect(asksOf('own.apps.test')).toBe(ownAsked);
  });

  it('a router with another CA has nginx drop the leaves of the old one', async () => {
    const harness = h as RouterHarness;
    const before = await served('shop.apps.test');
    await harness.wakes?.stop();
    await harness.router?.stop();
    harness.leaves = await LeafIssuer.create(ca2.ca, await readFile(join(ca2.dir, 'ca.key'), 'utf8'));
    harness.router = harness.makeRouter();
    harness.wakes = harness.makeWakes();
    await harness.wakes.start();
    await harness.router.start();
    const after = await eventually(async () => {
      const c = await served('shop.apps.test');
      return c.checkIssued(caCert(ca2)) ? c : undefined;
    }, 'a leaf of the new CA');
    expect(after.fingerprint256).not.toBe(before.fingerprint256);
    expect(after.subjectAltName).toBe('DNS:shop.apps.test');
  });

  it("left nothing wrong in nginx's error log", async () => {
    const log = await readFile(join((h as RouterHarness).nginx.paths.dir, 'logs', 'error.log'), 'utf8');
    expect(log.split('\n').filter((l) => /\[(error|crit|alert|emerg)\]/.test(l))).toEqual([]);
  });
});
