import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, waitFor } from '../support/run.js';
import { TestCa } from '../support/tls.js';
import { env, e2eUser, httpPort, signUp } from './user.js';

// HTTPS as a user lives it, through the router of a platform brought up by
// scripts/up: the app's own name is served over HTTPS with a certificate a
// client trusting only the platform CA accepts (README: `curl --cacert`),
// apps:info shows the https URL, an uploaded certificate serves a custom
// domain, and redirect-https sends HTTP to HTTPS. curl, as the README says.

const u = e2eUser('tls');
const { appName, host, paas } = u;
const httpsPort = Number(env.PAAS_HTTPS_PORT ?? 443);
const platformCa = join(env.PAAS_STATE_DIR ?? '/var/lib/paas', 'tls', 'ca.crt');
const custom = `www.${appName}.test`;

const ok = async (args: string[]) => {
  const r = await paas(args);
  expect(r.code, `paas ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
};
/** curl ARGS: the status and body (curl's own error in `error` when it fails, as for an untrusted certificate). */
const curl = async (args: string[]) => {
  const r = await run('curl', ['-sS', '-m', '10', '-o', '-', '-w', '\n%{http_code}', ...args]);
  const lines = r.stdout.split('\n');
  return { code: r.code, status: Number(lines.pop()), body: lines.join('\n'), error: r.stderr };
};

describe('HTTPS for an app', () => {
  let ca: TestCa;

  beforeAll(async () => {
    ca = TestCa.create('e2e-https');
    await signUp(u);
    await ok(['apps:create', appName]);
    const push = await u.git(['push', 'paas', 'main']);
    expect(push.code, push.stderr).toBe(0);
  });

  afterAll(() => {
    u.remove();
    ca?.remove();
  });

  it("serves the app's own name with a certificate curl trusts with the platform CA; apps:info shows it", async () => {
    const info = JSON.parse(await ok(['apps:info', '--json'])) as { https_url: string };
    const url = `https://${host}${httpsPort === 443 ? '' : `:${httpsPort}`}/`;
    expect(info.https_url).toBe(url);
    expect(await ok(['apps:info'])).toContain(`HTTPS URL:  ${url}`);
    const r = await curl(['--cacert', platformCa, url]);
    expect(r.error).toBe('');
    expect(r.status).toBe(200);
    expect(r.body.trim()).toBe('hello v1');
    // and not without it: the platform CA is not a public one
    expect((await curl([url])).code).toBe(60);
  });

  it('serves a custom domain with its uploaded certificate', async () => {
    await ok(['domains:add', custom]);
    const cert = ca.issue('www', [custom]);
    expect(await ok(['certs:add', cert.certFile, cert.keyFile])).toContain(custom);
    const resolve = `${custom}:${httpsPort}:127.0.0.1`;
    const r = await waitFor('the uploaded certificate to be served', 30_000, async () => {
      const got = await curl([
        '--cacert',
        join(ca.dir, 'ca.crt'),
        '--resolve',
        resolve,
        `https://${custom}:${httpsPort}/`,
      ]);
      return got.status === 200 ? got : undefined;
    });
    expect(r.body.trim()).toBe('hello v1');
    const listed = JSON.parse(await ok(['certs', '--json'])) as Array<{ domains: string[] }>;
    expect(listed.flatMap((c) => c.domains)).toContain(custom);
  });

  it('redirects HTTP to HTTPS with redirect-https', async () => {
    await ok(['features:enable', 'redirect-https']);
    const r = await waitFor('the 308', 30_000, async () => {
      const got = await run('curl', [
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code} %{redirect_url}',
        '-H',
        `Host: ${host}`,
        `http://127.0.0.1:${httpPort}/x?y=1`,
      ]);
      return got.stdout.startsWith('308 ') ? got.stdout : undefined;
    });
    expect(r).toBe(`308 https://${host}${httpsPort === 443 ? '' : `:${httpsPort}`}/x?y=1`);
    const s = await curl([
      '--cacert',
      platformCa,
      '-L',
      '--resolve',
      `${host}:${httpPort}:127.0.0.1`,
      `http://${host}:${httpPort}/`,
    ]);
    expect(s.status).toBe(200);
    expect(s.body.trim()).toBe('hello v1');
  });
});
