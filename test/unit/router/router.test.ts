import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { CertificateRecord, Route, RouteState } from '../../../services/core/types.js';
import type { AppActivity, ControlChange, SiteEntry, UpstreamControl } from '../../../services/router/control.js';
import { NginxError, type Nginx } from '../../../services/router/nginx.js';
import { Router, type RouterDeps } from '../../../services/router/router.js';
import type { RouteTable } from '../../../services/router/table.js';
import { DEFAULT_MAX_BODY_MB, DEFAULT_MODULES_INCLUDE } from '../../../services/router/config.js';
import { TestCa } from '../../support/tls.js';

// The reconcile pass over in-memory stand-ins for etcd, nginx and the control
// endpoint: which of install / reload / start / set / remove each change causes.

class FakeNginx implements Nginx {
  config: string | undefined;
  pid: number | undefined;
  calls: string[] = [];
  reject: ((config: string) => number | undefined) | undefined; // line nginx -t complains about
  private nextPid = 100;

  async readConfig() {
    return this.config;
  }
  async install(config: string) {
    this.calls.push('install');
    const line = this.reject?.(config);
    if (line !== undefined)
      throw new NginxError(
        'nginx rejected the config',
        ['-t'],
        1,
        `nginx: [emerg] bad thing in /x/nginx.conf.tmp:${line}\n`,
      );
    this.config = config;
  }
  async masterPid() {
    return this.pid;
  }
  async start() {
    this.calls.push('start');
    this.pid = this.nextPid++;
    return this.pid;
  }
  async reload() {
    this.calls.push('reload');
  }
  async stop() {
    this.pid = undefined;
  }
}

class FakeControl implements UpstreamControl {
  held = new Map<string, string[]>();
  heldStates = new Map<string, RouteState>();
  heldSites = new Map<string, SiteEntry>();
  heldCerts = new Set<string>();
  heldNames = new Map<string, string>();
  heldChallenges = new Map<string, string>();
  calls: string[] = [];
  async set(app: string, upstreams: readonly string[]) {
    this.calls.push(`set ${app} ${upstreams.join(',')}`);
    this.held.set(app, [...upstreams]);
  }
  async remove(app: string) {
    this.calls.push(`remove ${app}`);
    this.held.delete(app);
  }
  async list() {
    return new Map(this.held);
  }
  async setState(app: string, state: RouteState) {
    this.calls.push(`state ${app} ${state}`);
    this.heldStates.set(app, state);
  }
  async removeState(app: string) {
    this.calls.push(`unstate ${app}`);
    this.heldStates.delete(app);
  }
  async states() {
    return new Map(this.heldStates);
  }
  async setSite(app: string, site: SiteEntry) {
    this.calls.push(`site ${app}${site.maintenance ? ' maintenance' : ''}${site.domains.map((d) => ` ${d}`).join('')}`);
    this.heldSites.set(app, site);
  }
  async removeSite(app: string) {
    this.calls.push(`unsite ${app}`);
    this.heldSites.delete(app);
  }
  async sites() {
    return new Map(this.heldSites);
  }
  async activity() {
    return new Map<string, AppActivity>();
  }
  async certificates() {
    return new Set(this.heldCerts);
  }
  async certificateNames() {
    return new Map(this.heldNames);
  }
  async challenges() {
    return new Map(this.heldChallenges);
  }
  /**
   * Records each change as the single call it stands for (set, site, state, remove, unsite, unstate; cert, sni,
   * challenge and their removals, certificates by the subject in their PEM's first line).
   */
  async batch(changes: readonly ControlChange[]) {
    for (const c of changes) {
      if (c.kind === 'upstreams') await (c.upstreams ? this.set(c.app, c.upstreams) : this.remove(c.app));
      else if (c.kind === 'site') await (c.site ? this.setSite(c.app, c.site) : this.removeSite(c.app));
      else if (c.kind === 'state') await (c.state ? this.setState(c.app, c.state) : this.removeState(c.app));
      else if (c.kind === 'cert') {
        this.calls.push(c.cert ? `cert ${c.cert.chainPem.split('\n')[0]}` : `uncert ${c.version}`);
        if (c.cert) this.heldCerts.add(c.version);
        else this.heldCerts.delete(c.version);
      } else if (c.kind === 'sni') {
        this.calls.push(c.version ? `sni ${c.host}` : `unsni ${c.host}`);
        if (c.version) this.heldNames.set(c.host, c.version);
        else this.heldNames.delete(c.host);
      } else {
        this.calls.push(c.keyAuthorization ? `challenge ${c.token}` : `unchallenge ${c.token}`);
        if (c.keyAuthorization) this.heldChallenges.set(c.token, c.keyAuthorization);
        else this.heldChallenges.delete(c.token);
      }
    }
  }
}

function setup(deps: Partial<Pick<RouterDeps, 'nginxCheckMs' | 'now'>> = {}) {
  const routes = new Map<string, string[]>();
  const states = new Map<string, RouteState>();
  const sites = new Map<string, { domains?: string[]; maintenance?: boolean }>();
  const certificates = new Map<string, unknown>();
  const challenges = new Map<string, unknown>();
  const table: RouteTable = {
    read: async () => ({
      routes: [...routes].map(([app, upstreams]): Route => ({
        app,
        dynos: upstreams.map((upstream, i) => ({ upstream, dyno: `web.${i + 1}`, host: 'h' })),
        ...(states.has(app) && { state: states.get(app) }),
        ...sites.get(app),
        updatedAt: '',
      })),
      certificates,
      challenges,
    }),
    watch: async () => async () => {},
  };
  const nginx = new FakeNginx();
  const control = new FakeControl();
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  const settings: RouterDeps['settings'] = {
    domain: 'localhost',
    listen: '127.0.0.1',
    httpPort: 8080,
    controlPort: 8081,
    dir: '/tmp/paas/nginx',
    modulesInclude: DEFAULT_MODULES_INCLUDE,
    maxBodyMb: DEFAULT_MAX_BODY_MB,
  };
  const withSettings = (over: Partial<RouterDeps['settings']>) =>
    new Router({
      table,
      nginx,
      control,
      log: pino({ level: 'debug' }, sink),
      settings: { ...settings, ...over },
      resyncMs: 60_000,
      ...deps,
    });
  const router = withSettings({});
  const reset = () => {
    nginx.calls = [];
    control.calls = [];
  };
  return { routes, states, sites, certificates, challenges, nginx, control, router, withSettings, lines, reset };
}

describe('Router.reconcile', () => {
  it('starts nginx on the first pass and pushes every upstream', async () => {
    const t = setup();
    t.routes.set('web', ['127.0.0.1:1']);
    await t.router.reconcile();
    expect(t.nginx.calls).toEqual(['install', 'start']);
    expect(t.control.calls).toEqual(['set web 127.0.0.1:1', 'site web']);
  });

  it('changes only upstreams when only upstreams change: no install, no reload', async () => {
    const t = setup();
    t.routes.set('web', ['127.0.0.1:1']);
    await t.router.reconcile();
    t.reset();
    t.routes.set('web', ['127.0.0.1:2']);
    await t.router.reconcile();
    expect(t.nginx.calls).toEqual([]);
    expect(t.control.calls).toEqual(['set web 127.0.0.1:2']);
    t.reset();
    await t.router.reconcile();
    expect([...t.nginx.calls, ...t.control.calls]).toEqual([]);
  });

  it('does not reload when the set of apps changes: serves the new one, then stops serving the gone one', async () => {
    const t = setup();
    t.routes.set('web', ['127.0.0.1:1']);
    await t.router.reconcile();
    t.reset();
    t.routes.delete('web');
    t.routes.set('api', []);
    await t.router.reconcile();
    expect(t.nginx.calls).toEqual([]);
    expect(t.control.calls).toEqual(['set api ', 'site api', 'unsite web', 'remove web']);
  });

  it('pushes a change of custom domains or maintenance as a site, with no reload', async () => {
    const t = setup();
    t.routes.set('web', ['127.0.0.1:1']);
    await t.router.reconcile();
    t.reset();
    t.sites.set('web', { domains: ['www.b.example', 'a.example'] });
    await t.router.reconcile();
    t.sites.set('web', { domains: ['a.example', 'www.b.example'] }); // the same, in another order
    await t.router.reconcile();
    t.sites.set('web', { domains: ['a.example'], maintenance: true });
    await t.router.reconcile();
    expect(t.nginx.calls).toEqual([]);
    expect(t.control.calls).toEqual(['site web a.example www.b.example', 'site web maintenance a.example']);
  });

  it('adopts a running nginx: no reload when its config is current, and pushes only what it lacks', async () => {
    const first = setup();
    first.routes.set('web', ['127.0.0.1:1']);
    first.routes.set('api', ['127.0.0.1:2']);
    await first.router.reconcile();
    const t = setup();
    t.routes.set('web', ['127.0.0.1:1']);
    t.routes.set('api', ['127.0.0.1:3']);
    t.nginx.config = first.nginx.config;
    t.nginx.pid = 42;
    t.control.held = new Map(first.control.held);
    t.control.heldSites = new Map(first.control.heldSites);
    await t.router.reconcile();
    expect(t.nginx.calls).toEqual([]);
    expect(t.control.calls).toEqual(['set api 127.0.0.1:3']);
  });

  it('restarts a dead nginx and pushes all upstreams again', async () => {
    const t = setup();
    t.routes.set('web', ['127.0.0.1:1']);
    await t.router.reconcile();
    await t.nginx.stop();
    t.control.held.clear(); // a new master starts with empty shared dicts
    t.control.heldSites.clear();
    t.reset();
    await t.router.reconcile();
    expect(t.nginx.calls).toEqual(['start']);
    expect(t.control.calls).toEqual(['set web 127.0.0.1:1', 'site web']);
  });

  it('keeps the old config when nginx -t fails, logs it, and does not retry the same config', async () => {
    const t = setup();
    t.routes.set('web', ['127.0.0.1:1']);
    await t.router.reconcile();
    const good = t.nginx.config;
    t.nginx.reject = (config) => {
      const i = config.split('\n').findIndex((l) => l.includes('client_max_body_size 7m;'));
      return i < 0 ? undefined : i + 1;
    };
    // a router with other settings (an upgrade, an operator's change) over the same nginx
    const changed = t.withSettings({ maxBodyMb: 7 });
    t.reset();
    await changed.reconcile();
    expect(t.nginx.calls).toEqual(['install']);
    expect(t.nginx.config).toBe(good);
    expect(t.lines.find((l) => l.msg === 'nginx rejected the new config; keeping the old one')).toMatchObject({
      level: 50,
      output: expect.stringContaining('nginx.conf.tmp:'),
    });
    t.reset();
    await changed.reconcile();
    expect(t.nginx.calls).toEqual([]);
  });

  it('logs routes with invalid names or upstreams once and leaves them out', async () => {
    const t = setup();
    t.routes.set('Bad;name', ['127.0.0.1:1']);
    t.routes.set('web', ['127.0.0.1:1', 'nope']);
    await t.router.reconcile();
    await t.router.reconcile();
    expect(t.control.calls).toEqual(['set web 127.0.0.1:1', 'site web']);
    expect(t.nginx.config).not.toContain('Bad;name');
    expect(t.lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([
      'route ignored',
      'upstream ignored: not host:port',
    ]);
  });

  it('pushes a holding state before the peers go, and drops it after the peers come', async () => {
    const t = setup();
    t.routes.set('web', ['127.0.0.1:1']);
    await t.router.reconcile();
    t.reset();
    t.routes.set('web', []);
    t.states.set('web', 'sleeping');
    await t.router.reconcile();
    expect(t.nginx.calls).toEqual([]);
    expect(t.control.calls).toEqual(['state web sleeping', 'set web ']);
    expect(t.router.stateOf('web')).toBe('sleeping');
    t.reset();
    t.states.set('web', 'waking');
    await t.router.reconcile();
    expect(t.control.calls).toEqual(['state web waking']);
    t.reset();
    t.routes.set('web', ['127.0.0.1:2']);
    t.states.delete('web');
    await t.router.reconcile();
    expect(t.control.calls).toEqual(['set web 127.0.0.1:2', 'unstate web']);
    expect(t.router.stateOf('web')).toBeUndefined();
  });

  it('sets crashed after the upstreams, and removes the state of a gone app', async () => {
    const t = setup();
    t.routes.set('web', []);
    t.states.set('web', 'waking');
    await t.router.reconcile();
    t.reset();
    t.states.set('web', 'crashed');
    await t.router.reconcile();
    expect(t.control.calls).toEqual(['state web crashed']);
    t.reset();
    t.routes.delete('web');
    await t.router.reconcile();
    expect(t.control.calls).toEqual(['unsite web', 'remove web', 'unstate web']);
    expect([...t.router.apps()]).toEqual([]);
  });

  it('learns the states of an adopted nginx and pushes them again to a restarted one', async () => {
    const t = setup();
    t.routes.set('web', []);
    t.states.set('web', 'sleeping');
    t.nginx.config = undefined;
    await t.router.reconcile();
    const adopted = setup();
    adopted.routes.set('web', []);
    adopted.states.set('web', 'sleeping');
    adopted.nginx.config = t.nginx.config;
    adopted.nginx.pid = 7;
    adopted.control.held = new Map(t.control.held);
    adopted.control.heldStates = new Map(t.control.heldStates);
    adopted.control.heldSites = new Map(t.control.heldSites);
    await adopted.router.reconcile();
    expect([...adopted.nginx.calls, ...adopted.control.calls]).toEqual([]);
    await t.nginx.stop();
    t.control.held.clear();
    t.control.heldStates.clear();
    t.control.heldSites.clear();
    t.reset();
    await t.router.reconcile();
    expect(t.nginx.calls).toEqual(['start']);
    expect(t.control.calls).toEqual(['state web sleeping', 'set web ', 'site web']);
  });

  it('starts a dead nginx again between passes and gives it all the old one held, the apps last', async () => {
    const t = setup({ nginxCheckMs: 5 });
    t.routes.set('web', []);
    t.states.set('web', 'sleeping');
    t.sites.set('web', { domains: ['a.example'] });
    t.routes.set('api', ['127.0.0.1:1']);
    await t.router.reconcile();
    await t.router.start();
    t.reset();
    await t.nginx.stop();
    for (const m of [t.control.held, t.control.heldStates, t.control.heldSites]) m.clear();
    for (let i = 0; i < 400 && t.control.calls.length < 5; i++) await new Promise((r) => setTimeout(r, 5));
    await t.router.stop();
    expect(t.nginx.calls).toEqual(['start']);
    expect(t.control.calls).toEqual([
      'state web sleeping',
      'set api 127.0.0.1:1',
      'set web ',
      'site api',
      'site web a.example',
    ]);
  });
});

/** A record the fake control tells by its PEM's first line ("cert <label>"); the router checks only its shape. */
function certRecord(label: string, domains: string[], over: Partial<CertificateRecord> = {}): CertificateRecord {
  return {
    app: label,
    source: 'upload',
    domains,
    chainPem: `${label}\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`,
    keyPem: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
    issuer: 'Test',
    subject: `CN=${domains[0]}`,
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2099-01-01T00:00:00.000Z',
    sha256Fingerprint: 'AA',
    serial: '01',
    selfSigned: false,
    updatedAt: '',
    ...over,
  };
}

describe('Router.reconcile: certificates and ACME challenges', () => {
  it("pushes an app's certificate after the app, then its names; nothing again while it is unchanged", async () => {
    const t = setup();
    t.routes.set('web', ['127.0.0.1:1']);
    t.sites.set('web', { domains: ['a.example', 'b.example'] });
    t.certificates.set('web', certRecord('one', ['a.example', 'www.a.example']));
    await t.router.reconcile();
    expect(t.nginx.calls).toEqual(['install', 'start']);
    expect(t.control.calls).toEqual([
      'set web 127.0.0.1:1',
      'site web a.example b.example',
      'cert one',
      'sni a.example',
    ]);
    t.reset();
    t.certificates.set('web', certRecord('one', ['a.example', 'www.a.example'])); // rewritten, the same
    await t.router.reconcile();
    expect([...t.nginx.calls, ...t.control.calls]).toEqual([]);
  });

  it('renews without a reload: the new certificate, the names moved, the old one dropped', async () => {
    const t = setup();
    t.routes.set('web', ['127.0.0.1:1']);
    t.sites.set('web', { domains: ['a.example', 'b.example'] });
    t.certificates.set('web', certRecord('one', ['a.example']));
    await t.router.reconcile();
    t.reset();
    t.certificates.set('web', certRecord('two', ['a.example', 'b.example']));
    await t.router.reconcile();
    expect(t.nginx.calls).toEqual([]);
    expect(t.control.calls).toEqual(['cert two', 'sni a.example', 'sni b.example', expect.stringMatching(/^uncert /)]);
    expect(t.control.heldCerts.size).toBe(1);
    t.reset();
    t.certificates.delete('web');
    await t.router.reconcile();
    expect(t.control.calls).toEqual(['unsni a.example', 'unsni b.example', expect.stringMatching(/^uncert /)]);
    expect(t.control.heldCerts.size).toBe(0);
  });

  it("takes an app's names away first when its route goes, then its certificate", async () => {
    const t = setup();
    t.routes.set('web', ['127.0.0.1:1']);
    t.certificates.set('web', certRecord('one', ['web.localhost']));
    await t.router.reconcile();
    expect(t.control.calls.slice(-2)).toEqual(['cert one', 'sni web.localhost']);
    t.reset();
    t.routes.delete('web');
    await t.router.reconcile();
    expect(t.control.calls).toEqual([
      'unsite web',
      'remove web',
      'unsni web.localhost',
      expect.stringMatching(/^uncert /),
    ]);
  });

  it('answers the challenges as they come and go, and logs an invalid one once', async () => {
    const t = setup();
    const token = 'LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0';
    t.challenges.set(token, { token, keyAuthorization: `${token}.thumb`, app: 'web', expiresAt: '' });
    t.challenges.set('bad', { token: 'bad', keyAuthorization: 'nope' });
    await t.router.reconcile();
    await t.router.reconcile();
    expect(t.control.calls).toEqual([`challenge ${token}`]);
    expect(t.control.heldChallenges.get(token)).toBe(`${token}.thumb`);
    expect(t.lines.filter((l) => String(l.msg).startsWith('ACME challenge ignored'))).toHaveLength(1);
    t.reset();
    t.challenges.delete(token);
    await t.router.reconcile();
    expect(t.control.calls).toEqual([`unchallenge ${token}`]);
  });

  it('serves an expired certificate and logs it once; logs a certificate that covers none of its names once', async () => {
    const t = setup({ now: () => new Date('2030-01-01T00:00:00Z') });
    t.routes.set('old', ['127.0.0.1:1']);
    t.routes.set('off', ['127.0.0.1:2']);
    t.certificates.set('old', certRecord('old', ['old.localhost'], { notAfter: '2029-12-31T00:00:00.000Z' }));
    t.certificates.set('off', certRecord('off', ['elsewhere.example']));
    await t.router.reconcile();
    await t.router.reconcile();
    expect(t.control.calls.filter((c) => c.startsWith('sni'))).toEqual(['sni old.localhost']);
    expect(t.lines.filter((l) => l.level === 40).map((l) => [l.msg, l.app])).toEqual([
      ['certificate not served', 'off'],
      ['certificate expired; still served until it is replaced', 'old'],
    ]);
  });

  it('learns the certificates and challenges of an adopted nginx, and gives them again to a restarted one', async () => {
    const t = setup();
    t.routes.set('web', ['127.0.0.1:1']);
    t.certificates.set('web', certRecord('one', ['web.localhost']));
    const token = 'LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0';
    t.challenges.set(token, { token, keyAuthorization: `${token}.thumb` });
    await t.router.reconcile();
    const adopted = setup();
    adopted.routes.set('web', ['127.0.0.1:1']);
    adopted.certificates.set('web', certRecord('one', ['web.localhost']));
    adopted.challenges.set(token, { token, keyAuthorization: `${token}.thumb` });
    adopted.nginx.config = t.nginx.config;
    adopted.nginx.pid = 7;
    for (const k of ['held', 'heldSites', 'heldCerts', 'heldNames', 'heldChallenges'] as const)
      (adopted.control as unknown as Record<string, unknown>)[k] = t.control[k];
    await adopted.router.reconcile();
    expect([...adopted.nginx.calls, ...adopted.control.calls]).toEqual([]);
    await t.nginx.stop();
    for (const m of [
      t.control.held,
      t.control.heldSites,
      t.control.heldCerts,
      t.control.heldNames,
      t.control.heldChallenges,
    ])
      m.clear();
    t.reset();
    await t.router.reconcile();
    expect(t.nginx.calls).toEqual(['start']);
    expect(t.control.calls).toEqual([
      'set web 127.0.0.1:1',
      'site web',
      `challenge ${token}`,
      'cert one',
      'sni web.localhost',
    ]);
  });
});

describe('Router.reconcile: HTTPS and its fallback certificate', () => {
  const ca = TestCa.create('router-unit');
  const dir = mkdtempSync(join(tmpdir(), 'paas-router-unit-'));
  afterAll(() => {
    ca.remove();
    rmSync(dir, { recursive: true, force: true });
  });
  const one = ca.issue('one', ['*.localhost']);
  const two = ca.issue('two', ['*.localhost']);
  const https = { port: 8443, certificate: join(dir, 'default.crt'), key: join(dir, 'default.key') };
  const install = (issued: { certFile: string; keyFile: string }) => {
    copyFileSync(issued.certFile, https.certificate);
    copyFileSync(issued.keyFile, https.key);
  };
  const off = (t: ReturnType<typeof setup>) =>
    t.lines.filter((l) => String(l.msg).startsWith('HTTPS off')).map((l) => l.why);

  it('stays HTTP only while the files are missing or wrong, saying why once; turns HTTPS on when they come', async () => {
    const t = setup();
    const router = t.withSettings({ https });
    t.routes.set('web', ['127.0.0.1:1']);
    await router.reconcile();
    await router.reconcile();
    expect(t.nginx.config).not.toContain('ssl_certificate');
    expect(off(t)).toEqual([expect.stringContaining('cannot read')]);
    copyFileSync(one.certFile, https.certificate);
    copyFileSync(two.keyFile, https.key); // not its key
    await router.reconcile();
    expect(off(t)).toEqual([expect.stringContaining('cannot read'), "the key is not the certificate's"]);
    t.reset();
    install(one);
    await router.reconcile();
    expect(t.nginx.calls).toEqual(['install', 'reload']);
    expect(t.nginx.config).toContain('listen 127.0.0.1:8443 ssl http2 default_server;');
    expect(t.nginx.config).toContain(`ssl_certificate ${https.certificate};`);
    expect(t.lines.filter((l) => String(l.msg).startsWith('HTTPS on'))).toHaveLength(1);
    t.reset();
    await router.reconcile();
    expect(t.nginx.calls).toEqual([]);
  });

  it('reloads nginx when a new fallback replaces the files (nginx reads them only then)', async () => {
    const t = setup();
    const router = t.withSettings({ https });
    install(one);
    await router.reconcile();
    const before = t.nginx.config;
    t.reset();
    rmSync(https.certificate); // a new inode, as a rename into place makes
    install(two);
    await router.reconcile();
    expect(t.nginx.calls).toEqual(['install', 'reload']);
    expect(t.nginx.config).not.toBe(before);
  });
});
