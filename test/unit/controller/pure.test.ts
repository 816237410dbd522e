import { describe, expect, it } from 'vitest';
import { PaasError } from '../../../services/core/errors.js';
import { appInfo, canSee, requestedName } from '../../../services/controller/apps/apps.js';
import { bearerToken, hashToken, newToken, sameSecret } from '../../../services/controller/auth.js';
import { loadConfig } from '../../../services/controller/config.js';
import { parseAuthorizeRequest, parseBuildRelease } from '../../../services/controller/internal/internal.js';
import { keyRecord, keyView } from '../../../services/controller/keys/keys.js';
import { formationView } from '../../../services/controller/ps/formation.js';
import { releaseView } from '../../../services/controller/releases/releases.js';
import { normaliseEmail, parseAdminFlag } from '../../../services/controller/users/users.js';
import type { App, Release, User } from '../../../services/core/types.js';

const alice: User = { id: 'u-alice', email: 'alice@example.com', admin: false, createdAt: '2024-01-01T00:00:00.000Z' };
const root: User = { id: 'u-root', email: 'root@example.com', admin: true, createdAt: '2024-01-01T00:00:00.000Z' };
const app: App = { name: 'my-app', id: 'a1', owner: alice.id, createdAt: '2024-01-02T00:00:00.000Z', latestRelease: 0 };
const urls = { domain: 'paas.test', httpPort: 8080, sshHost: 'git.paas.test', sshPort: 22 };
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof PaasError ? e.code : 'not a PaasError';
  }
  return 'no error';
};

describe('config', () => {
  it('needs the internal token and has the documented defaults', () => {
    expect(() => loadConfig({})).toThrow(/PAAS_INTERNAL_TOKEN/);
    const c = loadConfig({ PAAS_INTERNAL_TOKEN: 'x'.repeat(32) });
    expect(c).toMatchObject({
      apiHost: '127.0.0.1',
      apiPort: 8700,
      domain: 'localhost',
      httpPort: 80,
      sshHost: '127.0.0.1',
      sshPort: 2222,
      etcdPrefix: '/paas',
    });
    expect(Object.isFrozen(c)).toBe(true);
    expect(() => loadConfig({ PAAS_INTERNAL_TOKEN: 'x'.repeat(32), PAAS_API_PORT: '70000' })).toThrow(/port/);
  });

  it('reads the ACME settings only with a directory, and where it checks that a router serves a challenge', () => {
    const token = { PAAS_INTERNAL_TOKEN: 'x'.repeat(32) };
    expect(loadConfig(token).acme).toBeUndefined();
    const dir = { ...token, PAAS_ACME_DIRECTORY_URL: 'https://acme.example/dir' };
    expect(loadConfig(dir).acme).toEqual({
      directoryUrl: 'https://acme.example/dir',
      checkMs: 10_000,
      retryMs: 300_000,
      selfCheckUrl: 'http://127.0.0.1:80',
    });
    expect(loadConfig({ ...dir, PAAS_HTTP_PORT: '8080' }).acme?.selfCheckUrl).toBe('http://127.0.0.1:8080');
    expect(loadConfig({ ...dir, PAAS_ACME_SELF_CHECK_URL: 'http://10.0.0.2:80' }).acme?.selfCheckUrl).toBe(
      'http://10.0.0.2:80',
    );
    expect(loadConfig({ ...dir, PAAS_ACME_SELF_CHECK_URL: 'off' }).acme?.selfCheckUrl).toBeUndefined();
    for (const bad of ['https://r:443', 'r:80', 'http://r/x'])
      expect(() => loadConfig({ ...dir, PAAS_ACME_SELF_CHECK_URL: bad })).toThrow(/PAAS_ACME_SELF_CHECK_URL/);
    expect(() => loadConfig({ ...token, PAAS_ACME_DIRECTORY_URL: 'ftp://x' })).toThrow(/PAAS_ACME_DIRECTORY_URL/);
  });
});

describe('tokens', () => {
  it('reads bearer tokens', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
  it('makes long random tokens and stores only a sha256', () => {
    const t = newToken();
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newToken()).not.toBe(t);
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sameSecret('a', 'a')).toBe(true);
    expect(sameSecret('a', 'b')).toBe(false);
  });
});

describe('visibility and names', () => {
  it('shows an app to its owner and admins only', () => {
    expect(canSee(alice, app)).toBe(true);
    expect(canSee(root, app)).toBe(true);
    expect(canSee({ ...alice, id: 'u-bob' }, app)).toBe(false);
  });
  it('validates a requested name, or leaves it to be generated', () => {
    expect(requestedName('my-app')).toBe('my-app');
    expect(requestedName(undefined)).toBeUndefined();
    expect(requestedName('')).toBeUndefined();
    expect(code(() => requestedName('My_App'))).toBe('invalid_params');
    expect(code(() => requestedName(42))).toBe('invalid_params');
  });
  it('normalises emails and admin flags', () => {
    expect(normaliseEmail(' Alice@Example.COM ')).toBe('alice@example.com');
    expect(code(() => normaliseEmail('alice'))).toBe('invalid_params');
    expect(code(() => normaliseEmail(undefined))).toBe('invalid_params');
    expect(parseAdminFlag(undefined)).toBe(false);
    expect(code(() => parseAdminFlag('yes'))).toBe('invalid_params');
  });
});

describe('views', () => {
  it('shapes AppInfo with its URLs', () => {
    expect(appInfo({ ...app, latestRelease: 3 }, alice, urls)).toEqual({
      id: 'a1',
      name: 'my-app',
      owner: { id: alice.id, email: alice.email },
      created_at: app.createdAt,
      web_url: 'http://my-app.paas.test:8080/',
      https_url: null,
      git_url: 'ssh://git@git.paas.test:22/my-app.git',
      release: { version: 3 },
      maintenance: false,
      pool: null,
      dyno_state: null,
      sleeping_since: null,
      state: 'idle',
    });
    expect(appInfo(app, undefined, { ...urls, httpsPort: 443 }).https_url).toBe('https://my-app.paas.test/');
    expect(appInfo(app, undefined, { ...urls, httpsPort: 8443 }).https_url).toBe('https://my-app.paas.test:8443/');
    expect(appInfo(app, undefined, urls).release).toBeNull();
    expect(appInfo({ ...app, maintenance: true }, undefined, urls).maintenance).toBe(true);
    expect(appInfo({ ...app, pool: { pool: 'high' } }, undefined, urls).pool).toEqual({ pool: 'high' });
    expect(appInfo({ ...app, pool: {} }, undefined, urls).pool).toBeNull();
  });
  it("shows the route's state: sleeping since, waking, crashed; awake without one", () => {
    const since = '2026-12-07T01:00:00.000Z';
    const state = (route?: Parameters<typeof appInfo>[3]) => {
      const info = appInfo(app, undefined, urls, route);
      return [info.dyno_state, info.sleeping_since];
    };
    expect(state({ state: 'sleeping', since })).toEqual(['sleeping', since]);
    expect(state({ state: 'waking', since })).toEqual(['waking', null]);
    expect(state({ state: 'crashed' })).toEqual(['crashed', null]);
    expect(state({})).toEqual([null, null]);
    expect(state()).toEqual([null, null]);
  });
  it('shapes releases and formations', () => {
    const r: Release = {
      app: 'my-app',
      version: 2,
      image: 'i',
      config: { SECRET: 's' },
      processTypes: {},
      description: 'Deploy abc',
      createdBy: 'builder',
      createdAt: 't',
    };
    expect(releaseView(r, undefined)).toEqual({
      id: 'my-app-v2',
      version: 2,
      description: 'Deploy abc',
      commit: null,
      created_at: 't',
      user: { id: 'builder', email: null },
    });
    expect(formationView({ worker: { quantity: 0, size: 'eco' }, web: { quantity: 2, size: 'standard-1x' } })).toEqual([
      { type: 'web', quantity: 2, size: 'standard-1x' },
      { type: 'worker', quantity: 0, size: 'eco' },
    ]);
  });
  it('stores a key canonically with its comment, and refuses junk', () => {
    const pub = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBNnWkNUx36oz0Qn6ZVSZ52AHTONIzVMTLc9mYFNOpuj  me@laptop \n';
    const k = keyRecord(alice, pub, new Date('2024-01-01T00:00:00Z'));
    expect(k).toMatchObject({
      user: alice.id,
      publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBNnWkNUx36oz0Qn6ZVSZ52AHTONIzVMTLc9mYFNOpuj me@laptop',
    });
    expect(k.fingerprint).toMatch(/^SHA256:/);
    expect(keyView(k)).toMatchObject({
      id: k.fingerprint,
      comment: 'me@laptop',
      created_at: '2024-01-01T00:00:00.000Z',
    });
    expect(code(() => keyRecord(alice, 'hello'))).toBe('invalid_params');
    expect(code(() => keyRecord(alice, undefined))).toBe('invalid_params');
  });
});

describe('internal requests', () => {
  it('validates authorize requests', () => {
    expect(parseAuthorizeRequest({ fingerprint: 'SHA256:x', app: 'a-b' })).toEqual({
      fingerprint: 'SHA256:x',
      app: 'a-b',
    });
    expect(parseAuthorizeRequest({ fingerprint: 'SHA256:x' })).toEqual({ fingerprint: 'SHA256:x' });
    expect(code(() => parseAuthorizeRequest({}))).toBe('invalid_params');
    expect(code(() => parseAuthorizeRequest({ fingerprint: 'f', app: 3 }))).toBe('invalid_params');
  });
  it('validates build releases and describes them by commit', () => {
    expect(
      parseBuildRelease({
        image: 'paas/app-x:b1',
        processTypes: { web: 'npm start' },
        commit: '0123456789abcdef',
        buildId: 'b1',
        user: 'u1',
      }),
    ).toEqual({
      image: 'paas/app-x:b1',
      processTypes: { web: 'npm start' },
      commit: '0123456789abcdef',
      buildId: 'b1',
      user: 'u1',
      description: 'Deploy 0123456',
    });
    expect(parseBuildRelease({ image: 'paas/app-x:b1', processTypes: {}, description: 'Hi' }).description).toBe('Hi');
    for (const bad of [
      { processTypes: {} },
      { image: 'UPPER/case', processTypes: {} },
      { image: 'a; rm -rf /', processTypes: {} },
      { image: 'paas/x', processTypes: [] },
      { image: 'paas/x', processTypes: { web: '' } },
      { image: 'paas/x', processTypes: { 'we b': 'x' } },
      { image: 'paas/x', processTypes: {}, commit: 'not-hex' },
      { image: 'paas/x', processTypes: {}, buildId: '../etc' },
      { image: 'paas/x', processTypes: {}, description: 5 },
    ]) {
      expect(
        code(() => parseBuildRelease(bad)),
        JSON.stringify(bad),
      ).toBe('invalid_params');
    }
  });
});
