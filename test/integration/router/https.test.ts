import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent, request as httpsRequest } from 'node:https';
import { connect as h2connect } from 'node:http2';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateRecord, parseCertificateUpload } from '../../../services/core/certs.js';
import type { Store } from '../../../services/core/store.js';
import type { AcmeChallenge, CertificateRecord, Route } from '../../../services/core/types.js';
import { ControlError } from '../../../services/router/control.js';
import type { NginxCli } from '../../../services/router/nginx.js';
import { TestCa, type Issued } from '../../support/tls.js';
import {
  childPids,
  eventually,
  get,
  startApp,
  startRouter,
  type RouterHarness,
  type TestApp,
  putRoute as putAppRoute,
} from './helpers.js';

// HTTPS through the real router, etcd and nginx: each name's certificate
// picked by SNI from the shared dicts, the fallback for a name with none,
// HTTP/2 through ALPN, X-Forwarded-Proto https; a certificate replaced 20
// times under a kept-alive HTTPS connection, with no reload and no reset;
// ACME's HTTP-01 answered on the HTTP port. A CA of the test's own (openssl)
// issues everything; the clients trust only it.

interface Seen {
  cert: PeerCertificate;
  alpn: string | false | null;
  fingerprint: string;
}

describe('router: HTTPS by SNI, HTTP/2, ACME HTTP-01', () => {
  let h: RouterHarness | undefined;
  let store: Store;
  let nginx: NginxCli;
  let httpPort: number;
  let httpsPort: number;
  let app: TestApp;
  let ca: TestCa;
  let fallback: Issued;
  let a1: Issued;
  let a2: Issued;
  let wild: Issued;
  const lines: Array<Record<string, unknown>> = [];

  const record = (app: string, issued: Issued): CertificateRecord => {
    const up = parseCertificateUpload(issued.crt, issued.key, new Date());
    return certificateRecord(app, 'upload', up.cert, up.chainPem, up.keyPem, new Date().toISOString());
  };
  const fingerprintOf = (issued: Issued) => new X509Certificate(issued.crt).fingerprint256;
  const putRoute = (name: string, domains: string[]) => putAppRoute(store, name, app.address, domains);

  /** A TLS handshake (no request) asking for `servername` (none: no SNI), trusting only the test's CA. */
  const handshake = (servername: string | undefined, alpn: string[] = ['http/1.1']): Promise<Seen> =>
    new Promise((resolve, reject) => {
      const socket: TLSSocket = tlsConnect({
        host: '127.0.0.1',
        port: httpsPort,
        ...(servername !== undefined && { servername }),
        ca: ca.ca,
        ALPNProtocols: alpn,
        // the fallback is checked by its fingerprint, not by the name it was asked for
        checkServerIdentity: () => undefined,
      });
      socket.once('secureConnect', () => {
        const cert = socket.getPeerCertificate();
        resolve({ cert, alpn: socket.alpnProtocol, fingerprint: cert.fingerprint256 });
        socket.end();
      });
      socket.once('error', reject);
    });
  const servedFor = async (servername: string | undefined) => (await handshake(servername)).fingerprint;

  beforeAll(async () => {
    ca = TestCa.create('https');
    fallback = ca.issue('fallback', ['*.apps.test']);
    a1 = ca.issue('a1', ['a.example.test']);
    a2 = ca.issue('a2', ['a.example.test']);
    wild = ca.issue('wild', ['*.b.example.test']);
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        cb();
      },
    });
    h = await startRouter('router-https', {
      https: { certificate: fallback.certFile, key: fallback.keyFile },
      log: pino({ level: 'info' }, sink),
    });
    ({ store, nginx, httpPort } = h);
    httpsPort = h.httpsPort as number;
    app = await startApp('shop');
    await putRoute('shop', ['a.example.test']);
    await putRoute('blog', ['x.b.example.test']);
    await store.put(store.keys.cert('shop'), record('shop', a1));
    await store.put(store.keys.cert('blog'), record('blog', wild));
    await eventually(
      async () => ((await servedFor('x.b.example.test')) === fingerprintOf(wild) ? true : undefined),
      'the certificates to be served',
    );
  });

  afterAll(async () => {
    await h?.stop();
    await app?.close();
    ca?.remove();
  });

  it('serves each name its own certificate by SNI, and the fallback to a name with none or no SNI', async () => {
    const a = await handshake('a.example.test');
    expect(a.fingerprint).toBe(fingerprintOf(a1));
    expect(a.cert.subject.CN).toBe('a.example.test');
    expect(a.cert.subjectaltname).toBe('DNS:a.example.test');
    const b = await handshake('X.B.example.test'); // names are matched lowercased
    expect(b.cert.subjectaltname).toBe('DNS:*.b.example.test');
    // a name the wildcard covers but no app of its own has: the fallback, not another app's certificate
    expect(await servedFor('y.b.example.test')).toBe(fingerprintOf(fallback));
    expect(await servedFor('shop.apps.test')).toBe(fingerprintOf(fallback));
    expect(await servedFor('unknown.example')).toBe(fingerprintOf(fallback));
    expect(await servedFor(undefined)).toBe(fingerprintOf(fallback));
    // and it is trusted as issued for the name (the default check of node:tls)
    await new Promise<void>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port: httpsPort, servername: 'a.example.test', ca: ca.ca }, () => {
        s.end();
        resolve();
      });
      s.once('error', reject);
    });
  });

  it('negotiates HTTP/2 through ALPN and tells the app the request came over HTTPS', async () => {
    expect((await handshake('a.example.test', ['h2', 'http/1.1'])).alpn).toBe('h2');
    const session = h2connect(`https://127.0.0.1:${httpsPort}`, { ca: ca.ca, servername: 'a.example.test' });
    try {
      const text = await new Promise<string>((resolve, reject) => {
        const req = session.request({ ':path': '/', ':authority': 'a.example.test' });
        let body = '';
        req.setEncoding('utf8');
        req.on('response', (headers) => expect(headers[':status']).toBe(200));
        req.on('data', (c: string) => (body += c));
        req.on('end', () => resolve(body));
        req.on('error', reject);
        req.end();
      });
      expect(JSON.parse(text)).toMatchObject({
        body: 'shop',
        host: 'a.example.test',
        forwardedProto: 'https',
        forwardedPort: String(httpsPort),
      });
    } finally {
      session.close();
    }
    const plain = JSON.parse((await get(httpPort, 'a.example.test')).text) as Record<string, unknown>;
    expect(plain).toMatchObject({ forwardedProto: 'http', forwardedPort: String(httpPort) });
  });

  it('replaces a certificate 20 times under a kept-alive HTTPS connection: no reload, no reset', async () => {
    const pid = (await nginx.masterPid()) as number;
    const workers = await childPids(pid);
    const config = await nginx.readConfig();
    const reloads = () => lines.filter((l) => l.msg === 'nginx reloaded' || l.msg === 'nginx config installed').length;
    const before = reloads();
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: ca.ca });
    const sockets = new Set<unknown>();
    const statuses: number[] = [];
    const errors: unknown[] = [];
    let done = false;
    const one = () =>
      new Promise<void>((resolve) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port: httpsPort,
            servername: 'a.example.test',
            headers: { host: 'a.example.test' },
            agent,
          },
          (res) => {
            sockets.add(req.socket);
            statuses.push(res.statusCode ?? 0);
            res.resume();
            res.on('end', resolve);
          },
        );
        req.on('error', (err) => {
          errors.push(err);
          resolve();
        });
        req.end();
      });
    // paced, so the connection stays below nginx's keepalive_requests (1000), past which it is closed by design
    const traffic = (async () => {
      while (!done) {
        await one();
        await sleep(5);
      }
    })();
    try {
      for (let i = 0; i < 20; i++) {
        const next = i % 2 === 0 ? a2 : a1;
        await store.put(store.keys.cert('shop'), record('shop', next));
        await eventually(
          async () => ((await servedFor('a.example.test')) === fingerprintOf(next) ? true : undefined),
          `replacement ${i + 1} to be served`,
        );
      }
    } finally {
      done = true;
      await traffic;
      agent.destroy();
    }
    expect(errors).toEqual([]);
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(sockets.size).toBe(1);
    expect(await nginx.masterPid()).toBe(pid);
    expect(await childPids(pid)).toEqual(workers);
    expect(await nginx.readConfig()).toBe(config);
    expect(reloads()).toBe(before);
    // the old certificate is not kept: one for shop, one for blog
    expect((await h?.control.certificates())?.size).toBe(2);
  });

  it('answers an ACME HTTP-01 challenge on the HTTP port while it is open, for any host', async () => {
    const token = 'LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0';
    const challenge: AcmeChallenge = {
      token,
      keyAuthorization: `${token}.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI`,
      app: 'shop',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    };
    const path = `/.well-known/acme-challenge/${token}`;
    expect((await get(httpPort, 'a.example.test', { path })).status).toBe(404);
    await store.put(store.keys.acmeChallenge(token), challenge);
    const a = await eventually(async () => {
      const x = await get(httpPort, 'a.example.test', { path });
      return x.status === 200 ? x : undefined;
    }, 'the challenge to be answered');
    expect(a.text).toBe(challenge.keyAuthorization);
    expect(a.headers['content-type']).toBe('text/plain');
    expect((await get(httpPort, 'not-an-app.example', { path })).text).toBe(challenge.keyAuthorization);
    expect((await get(httpPort, 'a.example.test', { path: `${path}x` })).status).toBe(404);
    await store.delete(store.keys.acmeChallenge(token));
    await eventually(async () => {
      const x = await get(httpPort, 'a.example.test', { path });
      return x.status === 404 ? x : undefined;
    }, 'the challenge to be gone');
    // the app itself still answers on the same name
    expect((await get(httpPort, 'a.example.test')).status).toBe(200);
  });

  it('answers HTTP with a 308 to HTTPS for an app with redirect-https, but not its ACME challenges', async () => {
    const token = 'redirect-test-token-0123456789abcdefghijklmnopq';
    await store.put(store.keys.acmeChallenge(token), {
      token,
      keyAuthorization: `${token}.thumb`,
      app: 'shop',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    } satisfies AcmeChallenge);
    await store.put(store.keys.route('shop'), {
      app: 'shop',
      dynos: [{ upstream: app.address, dyno: 'web.1', host: 'elsewhere' }],
      release: 1,
      domains: ['a.example.test'],
      redirectHttps: true,
      updatedAt: new Date().toISOString(),
    } satisfies Route);
    const moved = await eventually(async () => {
      const x = await get(httpPort, 'a.example.test', { path: '/cart?id=7' });
      return x.status === 308 ? x : undefined;
    }, 'the redirect');
    expect(moved.headers.location).toBe(`https://a.example.test:${httpsPort}/cart?id=7`);
    const challenge = await eventually(async () => {
      const x = await get(httpPort, 'a.example.test', { path: `/.well-known/acme-challenge/${token}` });
      return x.status === 200 ? x : undefined;
    }, 'the challenge over HTTP');
    expect(challenge.text).toBe(`${token}.thumb`);
    expect((await get(httpPort, 'x.b.example.test')).status).toBe(200); // another app is not redirected
    await putRoute('shop', ['a.example.test']);
    await eventually(async () => {
      const x = await get(httpPort, 'a.example.test');
      return x.status === 200 ? x : undefined;
    }, 'the redirect gone');
    await store.delete(store.keys.acmeChallenge(token));
  });

  it('refuses a certificate that does not convert, and a name pointing at no certificate, storing nothing', async () => {
    const control = h?.control;
    if (!control) throw new Error('no router');
    const version = 'ab'.repeat(16);
    const bad = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
    await expect(control.batch([{ kind: 'cert', version, cert: { chainPem: bad, keyPem: a1.key } }])).rejects.toThrow(
      /400 line 1: the certificate does not convert/,
    );
    await expect(
      control.batch([{ kind: 'cert', version, cert: { chainPem: a1.crt, keyPem: 'not a key' } }]),
    ).rejects.toThrow(/400 line 1: the key does not convert/);
    await expect(control.batch([{ kind: 'sni', host: 'z.example.test', version }])).rejects.toThrow(
      /400 line 1: no certificate (ab)+ is stored/,
    );
    await expect(control.batch([{ kind: 'sni', host: 'z.example.test', version }])).rejects.toThrow(ControlError);
    expect(await control.certificates()).not.toContain(version);
    expect((await control.certificateNames()).has('z.example.test')).toBe(false);
  });

  it('serves the fallback again once an app loses its certificate, and drops the certificate', async () => {
    await store.delete(store.keys.cert('blog'));
    await eventually(
      async () => ((await servedFor('x.b.example.test')) === fingerprintOf(fallback) ? true : undefined),
      'the fallback for the name',
    );
    await h?.router?.settled();
    expect((await h?.control.certificates())?.size).toBe(1);
    expect([...((await h?.control.certificateNames()) ?? new Map()).keys()]).toEqual(['a.example.test']);
  });

  it('is adopted with its certificates by a new router, which pushes none of them again', async () => {
    if (!h) throw new Error('no router');
    const changed = () => lines.filter((l) => l.msg === 'certificates changed').length;
    await h.router?.stop();
    const before = changed();
    h.router = h.makeRouter();
    await h.router.start();
    await h.router.settled();
    await sleep(300); // a resync pass or two
    await h.router.settled();
    expect(lines.some((l) => l.msg === 'running nginx adopted')).toBe(true);
    expect(changed()).toBe(before);
    expect(await servedFor('a.example.test')).toBe(fingerprintOf(a1));
  });

  it("left nothing wrong in nginx's error log (no handshake failed, no certificate unreadable)", async () => {
    const log = await readFile(`${nginx.paths.dir}/logs/error.log`, 'utf8');
    expect(log.split('\n').filter((l) => /\[(error|crit|alert|emerg)\]/.test(l))).toEqual([]);
  });

  it('gives an nginx started anew (its dicts empty) every certificate and challenge again', async () => {
    const token = 'c2Vjb25kLWNoYWxsZW5nZS10b2tlbi0xMjM0NTY3ODkw';
    const keyAuthorization = `${token}.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI`;
    await store.put(store.keys.acmeChallenge(token), { token, keyAuthorization, app: 'shop', expiresAt: '' });
    const path = `/.well-known/acme-challenge/${token}`;
    await eventually(async () => ((await get(httpPort, 'a', { path })).status === 200 ? true : undefined), 'answered');
    const pid = (await nginx.masterPid()) as number;
    process.kill(pid, 'SIGKILL');
    await eventually(async () => {
      const now = await nginx.masterPid();
      return now !== undefined && now !== pid ? now : undefined;
    }, 'nginx to be started again');
    await eventually(
      async () => ((await servedFor('a.example.test').catch(() => '')) === fingerprintOf(a1) ? true : undefined),
      'the certificate to be served again',
    );
    expect((await get(httpPort, 'a', { path })).text).toBe(keyAuthorization);
  });
});
