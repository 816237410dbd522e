import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Route, RouteState } from '../../../services/core/types.js';
import type { AppActivity, ControlChange, SiteEntry, UpstreamControl } from '../../../services/router/control.js';
import { NginxError, type Nginx } from '../../../services/router/nginx.js';
import { Router, type RouterDeps, type RouteTable } from '../../../services/router/router.js';
import { DEFAULT_MAX_BODY_MB, DEFAULT_MODULES_INCLUDE } from '../../../services/router/config.js';

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
  /** Records each change as the single call it stands for (set, site, state, remove, unsite, unstate). */
  async batch(changes: readonly ControlChange[]) {
    for (const c of changes) {
      if (c.kind === 'upstreams') await (c.upstreams ? this.set(c.app, c.upstreams) : this.remove(c.app));
      else if (c.kind === 'site') await (c.site ? this.setSite(c.app, c.site) : this.removeSite(c.app));
      else await (c.state ? this.setState(c.app, c.state) : this.removeState(c.app));
    }
  }
}

function setup(deps: Partial<Pick<RouterDeps, 'nginxCheckMs'>> = {}) {
  const routes = new Map<string, string[]>();
  const states = new Map<string, RouteState>();
  const sites = new Map<string, { domains?: string[]; maintenance?: boolean }>();
  const table: RouteTable = {
    routes: async () =>
      [...routes].map(([app, upstreams]): Route => ({
        app,
        dynos: upstreams.map((upstream, i) => ({ upstream, dyno: `web.${i + 1}`, host: 'h' })),
        ...(states.has(app) && { state: states.get(app) }),
        ...sites.get(app),
        updatedAt: '',
      })),
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
  return { routes, states, sites, nginx, control, router, withSettings, lines, reset };
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
