import { describe, expect, it } from 'vitest';
import {
  place as placeBy,
  placeAll as placeAllBy,
  Placer,
  type HostRoom,
  type Placed,
  type PlacementRequest,
  type PolicyName,
} from '../../../services/scheduler/place.js';
import { type AppInput, type PlanInput } from '../../../services/scheduler/model.js';
import { plan } from '../../../services/scheduler/plan.js';
import { SETTINGS } from './steps.js';

// Placement over plain data: tags, room (memory and CPU), spread, balance
// between memory and CPU, the reasons it gives, determinism, both policies.

const web = (app = 'shop', over: Partial<PlacementRequest> = {}): PlacementRequest => ({
  app,
  type: 'web',
  memoryMb: 512,
  cpuShares: 1024,
  ...over,
});
const host = (id: string, memoryMb: number, cpus: number, tags: Record<string, string> = {}): HostRoom => ({
  id,
  memoryMb,
  cpus,
  tags,
});
const on = (h: string, r: PlacementRequest): Placed => ({
  host: h,
  app: r.app,
  type: r.type,
  memoryMb: r.memoryMb,
  cpuShares: r.cpuShares,
});

// The default policy unless a test names one.
const place = (
  r: PlacementRequest,
  hosts: readonly HostRoom[],
  existing: readonly Placed[],
  policy: PolicyName = SETTINGS.policy,
) => placeBy(r, hosts, existing, policy);
const placeAll = (
  rs: readonly PlacementRequest[],
  hosts: readonly HostRoom[],
  existing: readonly Placed[],
  policy: PolicyName = SETTINGS.policy,
) => placeAllBy(rs, hosts, existing, policy);

describe('place: which hosts can take a container', () => {
  it('puts a container on the only host with room', () => {
    expect(place(web(), [host('h1', 1024, 1)], [])).toEqual({ ok: true, host: 'h1' });
  });

  it('takes only hosts with every required tag', () => {
    const hosts = [
      host('a', 8192, 8, { pool: 'shared' }),
      host('b', 4096, 4, { pool: 'high' }),
      host('c', 4096, 4, { pool: 'high', ssd: 'true' }),
    ];
    expect(place(web('x', { requiredTags: { pool: 'high' } }), hosts, [])).toEqual({ ok: true, host: 'b' });
    expect(place(web('x', { requiredTags: { pool: 'high', ssd: 'true' } }), hosts, [])).toEqual({
      ok: true,
      host: 'c',
    });
    expect(place(web('x'), hosts, [])).toEqual({ ok: true, host: 'a' }); // no pool: any host, here the emptiest
    expect(place(web('x', { requiredTags: {} }), hosts, [])).toEqual({ ok: true, host: 'a' });
  });

  it('needs room for memory and for CPU', () => {
    const hosts = [host('lowmem', 600, 16), host('lowcpu', 16384, 1), host('both', 2048, 2)];
    const big = web('x', { memoryMb: 1024, cpuShares: 2048 });
    expect(place(big, hosts, [])).toEqual({ ok: true, host: 'both' });
    expect(place(big, hosts, [on('both', web('y', { memoryMb: 1, cpuShares: 1 }))])).toMatchObject({ ok: false });
  });

  it('counts only containers on known hosts', () => {
    const placer = new Placer(
      [host('h1', 1000, 1)],
      [on('h1', web('a', { memoryMb: 300 })), on('gone', web('b', { memoryMb: 300 }))],
      SETTINGS.policy,
    );
    expect(placer.allocated('h1')).toEqual({ memoryMb: 300, cpuShares: 1024, containers: 1 });
    expect(placer.allocated('gone')).toBeUndefined();
  });
});

describe('place: balanced policy', () => {
  it('prefers the least utilised host', () => {
    const hosts = [host('h1', 4096, 4), host('h2', 4096, 4)];
    expect(place(web(), hosts, [on('h1', web('other'))])).toEqual({ ok: true, host: 'h2' });
  });

  it('fills hosts of different sizes in proportion to their size', () => {
    const hosts = [host('small', 4096, 2), host('big', 16384, 8)];
    const r = placeAll(
      Array.from({ length: 10 }, (_, i) => web(`app${i}`)),
      hosts,
      [],
    );
    const onBig = r.filter((p) => p.ok && p.host === 'big').length;
    expect(onBig).toBe(8); // 8 CPUs of 10: both hosts end at 100% CPU
    expect(r.every((p) => p.ok)).toBe(true);
  });

  it('balances memory against CPU: a CPU-heavy container goes where CPU is free, a memory-heavy one where memory is', () => {
    const hosts = [host('h1', 8192, 8), host('h2', 8192, 8)];
    const cpuHeavy = web('crunch', { memoryMb: 256, cpuShares: 4096 });
    const memHeavy = web('cache', { memoryMb: 4096, cpuShares: 256 });
    const existing = [on('h1', cpuHeavy), on('h2', memHeavy)];
    // h1 is at 50% CPU, h2 at 50% memory: each new one goes where its own resource is free.
    expect(place(web('cache2', { memoryMb: 4096, cpuShares: 256 }), hosts, existing)).toEqual({ ok: true, host: 'h1' });
    expect(place(web('crunch2', { memoryMb: 256, cpuShares: 4096 }), hosts, existing)).toEqual({
      ok: true,
      host: 'h2',
    });
  });

  it('pairs a CPU-heavy and a memory-heavy mix on every host instead of piling one kind up', () => {
    const hosts = [host('h1', 8192, 8), host('h2', 8192, 8), host('h3', 8192, 8)];
    const reqs = [
      ...Array.from({ length: 3 }, (_, i) => web(`crunch${i}`, { memoryMb: 512, cpuShares: 4096 })),
      ...Array.from({ length: 3 }, (_, i) => web(`cache${i}`, { memoryMb: 4096, cpuShares: 512 })),
    ];
    const r = placeAll(reqs, hosts, []);
    for (const h of ['h1', 'h2', 'h3']) {
      const mine = reqs.filter((_, i) => r[i]?.ok && (r[i] as { host: string }).host === h);
      expect(mine.map((q) => q.app.replace(/\d/, '')).sort()).toEqual(['cache', 'crunch']);
    }
  });

  it('spreads replicas of one app and type across hosts before balancing, even onto the fuller host', () => {
    const hosts = [host('h1', 8192, 8), host('h2', 2048, 2)];
    expect(place(web(), hosts, [on('h1', web())])).toEqual({ ok: true, host: 'h2' });
    expect(place(web(), hosts, [on('h1', web()), on('h2', web())])).toEqual({ ok: true, host: 'h1' });
    // Another process type of the same app is not a sibling: it goes to the less utilised h1 (12.5% against 50%).
    const busy = [on('h1', web()), on('h2', web('other', { memoryMb: 1024, cpuShares: 1024 }))];
    expect(place(web('shop', { type: 'worker' }), hosts, busy)).toEqual({ ok: true, host: 'h1' });
    expect(place(web('shop'), hosts, busy)).toEqual({ ok: true, host: 'h2' });
  });

  it('keeps room for a big container when containers arrive one at a time, where least-containers does not', () => {
    // A big app runs on the 12-CPU host; small apps arrive, then a big app with 2 replicas.
    const hosts = [host('small', 4096, 2), host('big', 16384, 12)];
    const perf = (app: string) => web(app, { memoryMb: 2560, cpuShares: 4096 });
    const arrivals = [
      ...['a', 'b', 'c', 'd'].map((a) => web(a, { memoryMb: 256, cpuShares: 256 })),
      perf('p'),
      perf('p'),
    ];
    const oneByOne = (policy: 'balanced' | 'least-containers') => {
      const placer = new Placer(hosts, [on('big', perf('x'))], policy);
      return arrivals.map((r) => placer.place(r));
    };
    // balanced: the small ones go to the small host (putting one on the big
    // host would use up one of its two slots for a 4096-share container), so
    // both big replicas fit.
    expect(oneByOne('balanced').map((p) => (p.ok ? p.host : 'unplaced'))).toEqual([
      'small',
      'small',
      'small',
      'small',
      'big',
      'big',
    ]);
    // least-containers puts small ones on the big host too, and a big replica is left out.
    expect(oneByOne('least-containers').filter((p) => !p.ok)).toHaveLength(1);
  });

  it('in a batch keeps room only for the bigger containers still to come', () => {
    // Largest first: once the big one is placed, the small ones may use the rest of the big host.
    const hosts = [host('small', 4096, 2), host('big', 8192, 8)];
    const r = placeAll(
      [
        web('e', { memoryMb: 256, cpuShares: 1024 }),
        web('p', { memoryMb: 2560, cpuShares: 4096 }),
        web('f', { memoryMb: 256, cpuShares: 1024 }),
      ],
      hosts,
      [],
    );
    expect(r).toEqual([
      { ok: true, host: 'small' },
      { ok: true, host: 'big' },
      { ok: true, host: 'big' },
    ]);
  });

  it('places a batch largest first and answers in the order asked', () => {
    // One host has room for the big one only if it comes first.
    const hosts = [host('h1', 2048, 4), host('h2', 2048, 4)];
    const small = web('s', { memoryMb: 1024, cpuShares: 1024 });
    const big = web('b', { memoryMb: 2048, cpuShares: 2048 });
    const r = placeAll([small, web('t', { memoryMb: 1024, cpuShares: 1024 }), big], hosts, []);
    expect(r.map((p) => p.ok)).toEqual([true, true, true]);
    expect(r[2]).toEqual({ ok: true, host: 'h1' });
    expect(r.slice(0, 2)).toEqual([
      { ok: true, host: 'h2' },
      { ok: true, host: 'h2' },
    ]);
  });
});

describe('place: least-containers policy (fleet)', () => {
  it('picks the host with the fewest containers of any app, whatever their size', () => {
    const hosts = [host('h1', 16384, 16), host('h2', 16384, 16)];
    const existing = [
      on('h1', web('big', { memoryMb: 8192, cpuShares: 8192 })),
      on('h2', web('a', { memoryMb: 128, cpuShares: 128 })),
      on('h2', web('b', { memoryMb: 128, cpuShares: 128 })),
    ];
    expect(place(web('x'), hosts, existing, 'least-containers')).toEqual({ ok: true, host: 'h1' });
    expect(place(web('x'), hosts, existing, 'balanced')).toEqual({ ok: true, host: 'h2' });
  });

  it('still respects tags and room, and breaks ties by host id', () => {
    const hosts = [
      host('c', 4096, 4, { pool: 'high' }),
      host('b', 4096, 4, { pool: 'high' }),
      host('a', 256, 4, { pool: 'high' }),
      host('z', 4096, 4),
    ];
    expect(place(web('x', { requiredTags: { pool: 'high' } }), hosts, [], 'least-containers')).toEqual({
      ok: true,
      host: 'b',
    });
  });

  it('rejects an unknown policy name', () => {
    expect(() => new Placer([], [], 'random' as never)).toThrow(/unknown placement policy "random"/);
  });
});

describe('place: reasons for what cannot be placed', () => {
  const reason = (r: PlacementRequest, hosts: HostRoom[], existing: Placed[] = []) => {
    const p = place(r, hosts, existing);
    return p.ok ? `placed on ${p.host}` : p.reason;
  };

  it('names each cause', () => {
    expect(reason(web(), [])).toBe('no hosts are registered');
    expect(reason(web('x', { requiredTags: { pool: 'high' } }), [host('h1', 4096, 4, { pool: 'shared' })])).toBe(
      'no host has tags pool=high',
    );
    expect(
      reason(web('x', { requiredTags: { ssd: 'true', pool: 'high' } }), [host('h1', 4096, 4, { pool: 'high' })]),
    ).toBe('no host has tags pool=high, ssd=true');
    expect(
      reason(
        web('x', { memoryMb: 1024 }),
        [host('h1', 1024, 4), host('h2', 1024, 4)],
        [on('h1', web('y', { memoryMb: 724 })), on('h2', web('z', { memoryMb: 900 }))],
      ),
    ).toBe('not enough memory: needs 1024 MB, most free on a matching host is 300 MB (2 hosts)');
    expect(
      reason(
        web('x', { cpuShares: 2048, requiredTags: { pool: 'high' } }),
        [host('h1', 8192, 2, { pool: 'high' }), host('h2', 8192, 1)],
        [on('h1', web('y', { cpuShares: 1024 }))],
      ),
    ).toBe(
      'not enough CPU: needs 2048 shares (2 CPUs), most free on a matching host is 1024 shares (1 host with tags pool=high)',
    );
    expect(reason(web('x', { memoryMb: 8192 }), [host('h1', 4096, 4)])).toBe(
      'not enough memory: needs 8192 MB, the largest matching host has 4096 MB (1 host)',
    );
    expect(reason(web('x', { cpuShares: 4096 }), [host('h1', 4096, 2)])).toBe(
      'not enough CPU: needs 4096 shares (4 CPUs), the largest matching host has 2048 shares (2 CPUs) (1 host)',
    );
    // One host has the memory, the other the CPU, none both.
    expect(
      reason(
        web('x', { memoryMb: 1024, cpuShares: 1024 }),
        [host('h1', 1024, 1), host('h2', 1024, 1)],
        [on('h1', web('y', { memoryMb: 512, cpuShares: 0 })), on('h2', web('z', { memoryMb: 0, cpuShares: 512 }))],
      ),
    ).toBe(
      'no matching host has both 1024 MB and 1024 CPU shares free: hosts with the memory lack the CPU and hosts with the CPU lack the memory (2 hosts)',
    );
  });
});

describe('place: determinism', () => {
  /** A seeded shuffle (mulberry32), so the test is the same every run. */
  const shuffled = <T>(xs: readonly T[], seed: number): T[] => {
    let a = seed;
    const rand = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), a | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  };
  const hosts = Array.from({ length: 20 }, (_, i) =>
    host(`h${String(i).padStart(2, '0')}`, [4096, 8192][i % 2] as number, [2, 4, 8][i % 3] as number, {
      pool: i % 4 === 0 ? 'high' : 'shared',
    }),
  );
  const reqs = Array.from({ length: 60 }, (_, i) =>
    web(`app${i % 7}`, {
      memoryMb: [256, 512, 1024][i % 3] as number,
      cpuShares: [256, 1024, 2048][i % 3] as number,
      ...(i % 5 === 0 && { requiredTags: { pool: 'high' } }),
    }),
  );

  for (const policy of ['balanced', 'least-containers'] as const) {
    it(`${policy}: the same input gives the same answer, whatever the order of the hosts`, () => {
      const first = placeAll(reqs, hosts, [], policy);
      expect(placeAll(reqs, hosts, [], policy)).toEqual(first);
      for (const seed of [1, 2, 3]) expect(placeAll(reqs, shuffled(hosts, seed), [], policy)).toEqual(first);
      expect(new Set(first.filter((p) => p.ok).map((p) => (p as { host: string }).host)).size).toBeGreaterThan(5); // not a trivial answer
    });
  }

  it('breaks a tie by the smallest host id', () => {
    expect(place(web(), [host('b', 1024, 1), host('a', 1024, 1)], [])).toEqual({ ok: true, host: 'a' });
  });
});

describe('plan: app pools', () => {
  const T0 = Date.parse('2025-01-01T00:00:00Z');
  const app = (name: string, web: number, pool?: Record<string, string>): AppInput => ({
    name,
    release: { version: 1, image: `paas/app-${name}:1`, config: {}, processTypes: { web: 'node server.js' } },
    formation: { web: { quantity: web, size: 'standard-1x' } },
    ...(pool && { pool }),
  });
  const input = (apps: AppInput[], hosts: HostRoom[]): PlanInput => ({
    ...SETTINGS,
    now: T0,
    drainMs: 2000,
    apps,
    hosts,
    assignments: [],
    instances: [],
    routes: [],
  });

  it('runs an app with pool=high only on pool=high hosts', () => {
    const hosts = [
      host('s1', 8192, 8, { pool: 'shared' }),
      host('s2', 8192, 8, { pool: 'shared' }),
      host('h1', 4096, 4, { pool: 'high' }),
      host('h2', 4096, 4, { pool: 'high' }),
    ];
    const p = plan(input([app('heavy', 4, { pool: 'high' }), app('light', 2)], hosts));
    expect(p.unplaced).toEqual([]);
    expect(
      p.put
        .filter((a) => a.app === 'heavy')
        .map((a) => a.host)
        .sort(),
    ).toEqual(['h1', 'h1', 'h2', 'h2']);
    expect(
      p.put
        .filter((a) => a.app === 'light')
        .map((a) => a.host)
        .sort(),
    ).toEqual(['s1', 's2']);
  });

  it('reports an app with pool=high unplaced, with the reason, when no such host exists', () => {
    const p = plan(
      input([app('heavy', 2, { pool: 'high' }), app('light', 1)], [host('s1', 8192, 8, { pool: 'shared' })]),
    );
    expect(p.put.map((a) => `${a.id}@${a.host}`)).toEqual(['light.web.1.v1@s1']);
    expect(p.unplaced).toEqual([
      { id: 'heavy.web.1.v1', reason: 'no host has tags pool=high' },
      { id: 'heavy.web.2.v1', reason: 'no host has tags pool=high' },
    ]);
  });

  it('uses the policy of the input', () => {
    const hosts = [host('a', 16384, 16), host('b', 16384, 16)];
    const running = (id: string, h: string, mb: number) => {
      const [name, type] = id.split('.') as [string, string];
      return {
        id,
        app: name,
        type,
        host: h,
        release: 1,
        index: Number(id.split('.')[2]),
        image: `paas/app-${name}:1`,
        command: 'node server.js',
        env: {},
        port: 5000,
        memoryMb: mb,
        cpuShares: mb,
        createdAt: '',
      };
    };
    // a runs one big container, b two small ones (at their formation's sizes, so nothing is resized).
    const sized = (a: AppInput, size: string): AppInput => ({
      ...a,
      formation: { web: { quantity: 0, ...a.formation.web, size } },
    });
    const i = {
      ...input([sized(app('big', 1), 'performance-m'), sized(app('small', 2), 'eco'), app('x', 1)], hosts),
      assignments: [
        { ...running('big.web.1.v1', 'a', 2560), cpuShares: 4096 },
        running('small.web.1.v1', 'b', 256),
        running('small.web.2.v1', 'b', 256),
      ],
    };
    const xs = (p: ReturnType<typeof plan>) => p.put.filter((a) => a.app === 'x');
    expect(xs(plan({ ...i, policy: 'balanced' })).map((a) => `${a.id}@${a.host}`)).toEqual(['x.web.1.v1@b']);
    expect(xs(plan({ ...i, policy: 'least-containers' })).map((a) => `${a.id}@${a.host}`)).toEqual(['x.web.1.v1@a']);
    expect(xs(plan(i)).map((a) => a.host)).toEqual(['b']); // balanced by default
  });
});
