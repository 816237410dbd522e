import { once } from 'node:events';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFrames } from '../../../services/controller/logs/syslog.js';
import { uniquePrefix } from '../../support/env.js';
import { call, meshed, readStream, startCtl, until, type Ctl, startPair, type Pair } from './harness.js';

// Two controllers over one etcd (issue 19): the log store, log sessions,
// drains and metrics work whichever controller a producer or a user reaches.

const prefix = uniquePrefix('ha-logs');
const internal = 'internal-ha-logs-0123456789';
let pair: Pair | undefined;
let a: Ctl;
let b: Ctl;
let admin = '';
const app = 'haapp';

const line = (text: string, dyno = 'web.1') => ({ app, at: new Date().toISOString(), source: 'app', dyno, line: text });
const ingest = (c: Ctl, texts: string[]) =>
  call(c.url, 'POST', '/internal/logs', internal, { lines: texts.map((t) => line(t)) });

beforeAll(async () => {
  pair = await startPair(prefix, internal);
  ({ a, b, admin } = pair);
  expect((await call(a.url, 'POST', '/apps', admin, { name: app })).status).toBe(201);
});

afterAll(async () => {
  await pair?.stop();
});

describe('logs with two controllers', () => {
  it('registers both under leased keys, each seeing the other', async () => {
    expect(a.registry.others().map((p) => p.id)).toEqual(['ctl-b']);
    expect(b.registry.others().map((p) => ({ id: p.id, url: p.url }))).toEqual([{ id: 'ctl-a', url: a.url }]);
    expect(a.registry.leads()).toBe(true);
    expect(b.registry.leads()).toBe(false);
  });

  it('tails on B a line posted to A, and serves it in B’s history', async () => {
    const s = await call(b.url, 'POST', `/apps/${app}/log-sessions`, admin, { tail: true, lines: 0 });
    expect(s.status).toBe(201);
    const tail = readStream(s.body.logplex_url, (t) => t.includes('from a to b'));
    await new Promise((r) => setTimeout(r, 300)); // the tail is subscribed
    expect((await ingest(a, ['from a to b'])).body).toEqual({ accepted: 1, dropped: 0 });
    expect(await tail).toMatch(/app\[web\.1\]: from a to b\n/);
    const h = await call(b.url, 'POST', `/apps/${app}/log-sessions`, admin, { lines: 10 });
    const text = await readStream(h.body.logplex_url, () => false, 3000);
    expect(text).toContain('from a to b');
    // and the other way
    await ingest(b, ['from b to a']);
    await until(async () => (await a.logs.store.recent(app, 100)).some((r) => r.line === 'from b to a'));
  });

  it('streams from B a log session made on A; refuses a changed id, one of another app, and no access', async () => {
    await ingest(a, ['session line']);
    const s = await call(a.url, 'POST', `/apps/${app}/log-sessions`, admin, { lines: 5 });
    expect(s.status).toBe(201);
    const onB = (s.body.logplex_url as string).replace(a.url, b.url);
    expect(onB.startsWith(b.url)).toBe(true);
    await until(async () => (await readStream(onB, () => false, 2000)).includes('session line'));
    const id = s.body.id as string;
    const flipped = id.slice(0, 20) + (id[20] === 'A' ? 'B' : 'A') + id.slice(21);
    expect((await fetch(onB.replace(id, flipped))).status).toBe(404);
    expect((await fetch(onB.replace(`/apps/${app}/`, '/apps/otherapp/'))).status).toBe(404);
    // a controller with another internal token (another platform) cannot open it
    const stranger = await startCtl('ctl-x', uniquePrefix('ha-x'), 'internal-another-platform-0123');
    try {
      expect((await fetch(onB.replace(b.url, stranger.url))).status).toBe(404);
    } finally {
      await stranger.stop();
    }
  });

  it('forwards each line to a drain once (lines taken by A and by B, and a platform event)', async () => {
    const received: string[] = [];
    const drain: Server = createNetServer((s: Socket) => {
      let buf = Buffer.alloc(0);
      s.on('data', (chunk: Buffer) => {
        const r = readFrames(Buffer.concat([buf, chunk]));
        buf = Buffer.from(r.rest);
        received.push(...r.messages);
      });
    }).listen(0, '127.0.0.1');
    await once(drain, 'listening');
    try {
      const url = `syslog://127.0.0.1:${(drain.address() as AddressInfo).port}`;
      expect((await call(b.url, 'POST', `/apps/${app}/log-drains`, admin, { url })).status).toBe(201);
      await new Promise((r) => setTimeout(r, 700)); // both forwarders see the drain
      await ingest(a, ['drained via a 1', 'drained via a 2']);
      await ingest(b, ['drained via b']);
      const rel = await call(a.url, 'POST', `/internal/apps/${app}/releases`, internal, {
        image: 'example/image:1',
        processTypes: { web: 'node server.js' },
        description: 'Deploy 1234567',
      });
      expect(rel.status).toBe(201);
      const want = [
        'drained via a 1',
        'drained via a 2',
        'drained via b',
        `Release v${rel.body.release.version} created`,
      ];
      await until(
        () => want.every((w) => received.some((m) => m.endsWith(w))),
        10_000,
        () => `the drained lines (got ${JSON.stringify(received)}, release ${JSON.stringify(rel.body)})`,
      );
      await new Promise((r) => setTimeout(r, 1000)); // a second copy would have come by now
      for (const w of want)
        expect(
          received.filter((m) => m.endsWith(w)),
          w,
        ).toHaveLength(1);
      // both controllers told the platform event in their own store
      for (const c of [a, b])
        await until(async () =>
          (await c.logs.store.recent(app, 100)).some((r) => r.line === `Release v${rel.body.release.version} created`),
        );
    } finally {
      drain.close();
    }
  });

  it('keeps the metrics sent to A on B too', async () => {
    const t = Math.floor(Date.now() / 60_000) * 60 - 60;
    const sample = { app, t, ok: 7, failed: 1 };
    const r = await call(a.url, 'POST', '/internal/metrics', internal, { samples: [sample] });
    expect(r.status).toBe(202);
    await until(async () => {
      const m = await call(b.url, 'GET', `/apps/${app}/metrics?range=1h`, admin);
      return m.body.points.some((p: { requests_ok: number }) => p.requests_ok === 7);
    });
  });

  it('moves and drops an app’s log on B when the app is renamed and destroyed through A', async () => {
    const has = async (c: Ctl, name: string, text: string) =>
      (await c.logs.store.recent(name, 100)).some((r) => r.line === text);
    expect((await call(a.url, 'POST', '/apps', admin, { name: 'hamove' })).status).toBe(201);
    await call(a.url, 'POST', '/internal/logs', internal, { lines: [{ ...line('before the rename'), app: 'hamove' }] });
    await until(() => has(b, 'hamove', 'before the rename'));
    expect((await call(a.url, 'PATCH', '/apps/hamove', admin, { name: 'hamoved' })).status).toBe(200);
    await until(() => has(b, 'hamoved', 'before the rename'), 10_000, 'the log moved on B');
    expect(await has(b, 'hamove', 'before the rename')).toBe(false);
    expect((await call(a.url, 'DELETE', '/apps/hamoved', admin)).status).toBe(200);
    await until(async () => (await b.logs.store.recent('hamoved', 100)).length === 0, 10_000, 'the log dropped on B');
  });

  it('stops copying to a controller that went away', async () => {
    const c = await startCtl('ctl-c', prefix, internal, 2);
    await meshed([a, b, c]);
    await c.kill();
    await until(() => a.registry.others().length === 1, 10_000, 'the lease of the killed controller to expire');
    await ingest(a, ['after c died']);
    await until(async () => (await b.logs.store.recent(app, 100)).some((r) => r.line === 'after c died'));
  });
});
