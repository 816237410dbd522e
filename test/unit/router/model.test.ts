import { describe, expect, it } from 'vitest';
import type { StoredRoute } from '../../../services/core/routes.js';
import type { Route, RouteDyno, RouteState } from '../../../services/core/types.js';
import {
  batchLine,
  parseActivityList,
  parseSiteList,
  parseStateList,
  parseUpstreamList,
} from '../../../services/router/control.js';
import {
  desiredStates,
  desiredUpstreams,
  isHolding,
  isUpstream,
  siteChanges,
  stateChanges,
  upstreamChanges,
} from '../../../services/router/model.js';

const route = (app: string, upstreams: string[]): Route => ({
  app,
  dynos: upstreams.map((upstream, i) => ({ upstream, dyno: `web.${i + 1}`, host: 'h9' })),
  updatedAt: '2024-01-01T00:00:00Z',
});
/** A record of an older scheduler: it listed the upstreams, and dynos only when not empty (or not at all). */
const legacy = (app: string, upstreams: string[], dynos?: RouteDyno[]): StoredRoute => ({
  app,
  upstreams,
  ...(dynos && { dynos }),
  updatedAt: '2024-01-01T00:00:00Z',
});

describe('isUpstream', () => {
  it.each(['127.0.0.1:3000', '10.0.0.12:65535', '[::1]:8080', '[fd00::1]:1'])('accepts %j', (u) =>
    expect(isUpstream(u)).toBe(true),
  );
  it.each([
    '127.0.0.1',
    '127.0.0.1:0',
    '127.0.0.1:65536',
    '256.0.0.1:80',
    'localhost:80',
    '::1:80',
    '127.0.0.1:80;',
    '127.0.0.1:80\n10.0.0.1:80',
    ' 127.0.0.1:80',
    '',
  ])('refuses %j', (u) => expect(isUpstream(u)).toBe(false));
});

describe('desiredUpstreams', () => {
  it('keeps valid upstreams sorted and unique and reports the others', () => {
    const d = desiredUpstreams([
      route('web', ['127.0.0.1:5002', 'bad', '127.0.0.1:5001', '127.0.0.1:5002']),
      route('api', []),
    ]);
    expect(d.upstreams).toEqual(
      new Map([
        ['web', ['127.0.0.1:5001', '127.0.0.1:5002']],
        ['api', []],
      ]),
    );
    expect(d.invalid).toEqual([{ app: 'web', upstream: 'bad' }]);
  });
});

describe('desiredUpstreams on a host', () => {
  const dynos = [
    { upstream: '10.0.0.1:32001', dyno: 'web.1', host: 'h1', bridge: '172.17.0.4:5000' },
    { upstream: '10.0.0.2:32002', dyno: 'web.2', host: 'h2', bridge: '172.17.0.4:5000' },
    { upstream: '10.0.0.1:32003', dyno: 'web.3', host: 'h1', bridge: 'not an address' },
  ];
  const shop: Route = { app: 'shop', dynos, updatedAt: '2024-01-01T00:00:00Z' };

  it('reaches containers on its own host at their bridge address, the others at their published address', () => {
    const d = desiredUpstreams([shop], 'h1');
    expect(d.upstreams.get('shop')).toEqual(['10.0.0.1:32003', '10.0.0.2:32002', '172.17.0.4:5000']);
    expect(d.dynos.get('shop')).toEqual(
      new Map([
        ['172.17.0.4:5000', 'web.1'],
        ['10.0.0.2:32002', 'web.2'],
        ['10.0.0.1:32003', 'web.3'],
      ]),
    );
  });

  it('uses published addresses only when it has no host, or the container no bridge address on it', () => {
    expect(desiredUpstreams([shop]).upstreams.get('shop')).toEqual([
      '10.0.0.1:32001',
      '10.0.0.1:32003',
      '10.0.0.2:32002',
    ]);
    const unbridged: Route = { ...shop, dynos: [{ upstream: '10.0.0.1:32001', dyno: 'web.1', host: 'h1' }] };
    expect(desiredUpstreams([unbridged], 'h1').upstreams.get('shop')).toEqual(['10.0.0.1:32001']);
  });

  it('drops dyno names that are not type.index', () => {
    const odd = { ...shop, dynos: [{ upstream: '10.0.0.1:32001', dyno: 'web.1 status=500', host: 'h9' }] };
    expect(desiredUpstreams([odd], 'h1').dynos.get('shop')).toEqual(new Map());
  });
});

describe("desiredUpstreams of an older scheduler's record (with upstreams)", () => {
  const bridged = [{ upstream: '10.0.0.1:32001', dyno: 'web.1', host: 'h1', bridge: '172.17.0.4:5000' }];

  it('routes to its upstreams, with the details of its dynos', () => {
    const d = desiredUpstreams(
      [
        legacy(
          'shop',
          ['10.0.0.1:32001', '10.0.0.2:32002'],
          [...bridged, { upstream: '10.0.0.2:32002', dyno: 'web.2', host: 'h2' }],
        ),
      ],
      'h1',
    );
    expect(d.upstreams.get('shop')).toEqual(['10.0.0.2:32002', '172.17.0.4:5000']);
    expect(d.dynos.get('shop')).toEqual(
      new Map([
        ['172.17.0.4:5000', 'web.1'],
        ['10.0.0.2:32002', 'web.2'],
      ]),
    );
  });

  it('routes to its upstreams alone when it has no dynos, and to none when it lists none', () => {
    expect(desiredUpstreams([legacy('shop', ['10.0.0.1:32001'])], 'h1').upstreams.get('shop')).toEqual([
      '10.0.0.1:32001',
    ]);
    expect(desiredUpstreams([legacy('shop', [])], 'h1').upstreams.get('shop')).toEqual([]);
  });

  it('goes by its upstreams, not its dynos, where they differ', () => {
    expect(desiredUpstreams([legacy('shop', ['10.0.0.2:32002'], bridged)], 'h1').upstreams.get('shop')).toEqual([
      '10.0.0.2:32002',
    ]);
  });
});

describe('upstreamChanges', () => {
  it('sets changed and missing apps, removes apps that are gone, leaves equal ones alone', () => {
    const desired = new Map([
      ['same', ['127.0.0.1:1', '127.0.0.1:2']],
      ['moved', ['127.0.0.1:3']],
      ['new', []],
    ]);
    const current = new Map([
      ['same', ['127.0.0.1:2', '127.0.0.1:1']],
      ['moved', ['127.0.0.1:4']],
      ['gone', ['127.0.0.1:5']],
    ]);
    expect(upstreamChanges(desired, current, ['moved', 'new', 'same'])).toEqual({
      set: [
        { app: 'moved', upstreams: ['127.0.0.1:3'] },
        { app: 'new', upstreams: [] },
      ],
      remove: ['gone'],
    });
  });
  it('changes nothing when nginx holds what is desired', () => {
    const m = new Map([['a1', ['127.0.0.1:1']]]);
    expect(upstreamChanges(m, m, ['a1'])).toEqual({ set: [], remove: [] });
  });
  it('does not push apps left out of the config', () => {
    expect(upstreamChanges(new Map([['Bad;', ['127.0.0.1:1']]]), new Map(), [])).toEqual({ set: [], remove: [] });
  });
});

describe('parseUpstreamList', () => {
  it('reads one app per line with its peers', () => {
    expect(parseUpstreamList('a1 127.0.0.1:1 127.0.0.1:2\nb2\n\n')).toEqual(
      new Map([
        ['a1', ['127.0.0.1:1', '127.0.0.1:2']],
        ['b2', []],
      ]),
    );
  });
});

describe('desiredStates', () => {
  it('keeps the known states of routes and drops the rest', () => {
    const routes: StoredRoute[] = [
      { ...route('zz', []), state: 'sleeping', since: '2024-01-01T00:00:00Z' },
      { ...route('aa', []), state: 'waking' },
      { ...route('bb', []), state: 'crashed' },
      route('cc', ['127.0.0.1:1']),
      { ...route('dd', []), state: 'dozing' as never },
      { app: 42, updatedAt: '' } as unknown as StoredRoute,
    ];
    expect([...desiredStates(routes)]).toEqual([
      ['zz', 'sleeping'],
      ['aa', 'waking'],
      ['bb', 'crashed'],
    ]);
  });
  it('holds requests in sleeping and waking only', () => {
    expect([isHolding('sleeping'), isHolding('waking'), isHolding('crashed'), isHolding(undefined)]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('stateChanges', () => {
  const m = (o: Record<string, RouteState>) => new Map(Object.entries(o));
  it('is empty when nginx holds what is desired', () => {
    expect(stateChanges(m({ a1: 'sleeping' }), m({ a1: 'sleeping' }), ['a1', 'b2'])).toEqual({
      hold: [],
      release: [],
    });
  });
  it('sets holding states before the upstreams, crashed and removals after', () => {
    const desired = m({ sleepy: 'sleeping', waker: 'waking', dead: 'crashed' });
    const current = m({ waker: 'sleeping', awake: 'waking', dead: 'waking' });
    expect(stateChanges(desired, current, ['awake', 'dead', 'sleepy', 'waker'])).toEqual({
      hold: [
        { app: 'sleepy', state: 'sleeping' },
        { app: 'waker', state: 'waking' },
      ],
      release: [{ app: 'awake' }, { app: 'dead', state: 'crashed' }],
    });
  });
  it('removes the state of an app nginx no longer serves, and sets none for it', () => {
    expect(stateChanges(m({ gone: 'sleeping' }), m({ gone: 'sleeping', zed: 'crashed' }), [])).toEqual({
      hold: [],
      release: [{ app: 'gone' }, { app: 'zed' }],
    });
  });
});

describe('parseStateList and parseActivityList', () => {
  it('reads the states nginx holds, leaving out unknown ones', () => {
    expect([...parseStateList('a1 sleeping\nb2 crashed\nc3 dozing\n\n')]).toEqual([
      ['a1', 'sleeping'],
      ['b2', 'crashed'],
    ]);
  });
  it('reads the activity nginx saw: epoch seconds to ms, websockets never below 0', () => {
    expect([...parseActivityList('a1 1796604696.238 0\nb2 0.000 3\nc3 12.5 -1\nbad line\nd4 x 1\n')]).toEqual([
      ['a1', { at: 1796604696238, websockets: 0 }],
      ['b2', { at: 0, websockets: 3 }],
      ['c3', { at: 12500, websockets: 0 }],
    ]);
  });
});

describe('siteChanges', () => {
  const held = (o: Record<string, { maintenance?: boolean; domains?: string[] }>) =>
    new Map(
      Object.entries(o).map(([app, e]) => [app, { maintenance: e.maintenance ?? false, domains: e.domains ?? [] }]),
    );
  it('sets new and changed sites (domains compared sorted), removes the gone, leaves the same', () => {
    const changes = siteChanges(
      [
        { app: 'aa', domains: ['b.example', 'a.example'] },
        { app: 'bb', maintenance: true },
        { app: 'cc' },
        { app: 'dd', domains: ['d.example'] },
      ],
      held({ aa: { domains: ['a.example', 'b.example'] }, bb: {}, dd: { domains: ['x.example'] }, zz: {} }),
    );
    expect(changes).toEqual({
      set: [
        { app: 'bb', site: { maintenance: true, domains: [] } },
        { app: 'cc', site: { maintenance: false, domains: [] } },
        { app: 'dd', site: { maintenance: false, domains: ['d.example'] } },
      ],
      remove: ['zz'],
    });
  });
  it('reads the sites nginx serves', () => {
    expect([...parseSiteList('aa serve b.example a.example\nbb maintenance\ncc dozing\n\n')]).toEqual([
      ['aa', { maintenance: false, domains: ['a.example', 'b.example'] }],
      ['bb', { maintenance: true, domains: [] }],
    ]);
  });
});

describe('batchLine', () => {
  it('writes each change as its POST /batch line, a removal with a dash', () => {
    expect([
      batchLine({ kind: 'upstreams', app: 'aa', upstreams: ['127.0.0.1:1', '[::1]:2'] }),
      batchLine({ kind: 'upstreams', app: 'aa', upstreams: [] }),
      batchLine({ kind: 'upstreams', app: 'aa' }),
      batchLine({ kind: 'site', app: 'bb', site: { maintenance: false, domains: ['a.example', 'b.example'] } }),
      batchLine({ kind: 'site', app: 'bb', site: { maintenance: true, domains: [] } }),
      batchLine({ kind: 'site', app: 'bb' }),
      batchLine({ kind: 'state', app: 'cc', state: 'waking' }),
      batchLine({ kind: 'state', app: 'cc' }),
    ]).toEqual([
      'upstreams aa 127.0.0.1:1 [::1]:2',
      'upstreams aa',
      '-upstreams aa',
      'site bb serve a.example b.example',
      'site bb maintenance',
      '-site bb',
      'state cc waking',
      '-state cc',
    ]);
  });
});
