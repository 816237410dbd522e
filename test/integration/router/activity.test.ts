import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../services/core/logger.js';
import type { ActivityRecord, App, Route } from '../../../services/core/types.js';
import { ActivityReporter, storeActivitySink } from '../../../services/router/activity.js';
import { eventually, get, startRouter, type RouterHarness } from './helpers.js';
import { openWs, startWsApp, type WsTestApp } from './wsapp.js';

// What nginx saw of each app (GET /activity) and the ActivityRecords the
// router writes from it (/activity/<app>), through a real nginx and etcd,
// with the cadence shortened: read every 100 ms, at most one write per app
// every 600 ms (15 s in production).

const WRITE_EVERY_MS = 600;

describe('router: activity', () => {
  let h: RouterHarness;
  let app: WsTestApp;
  let reporter: ActivityReporter;
  const writes: ActivityRecord[] = [];
  const host = (name: string) => `${name}.${h.domain}`;
  const ofBusy = () => writes.filter((w) => w.app === 'busy');

  beforeAll(async () => {
    h = await startRouter('router-activity');
    app = await startWsApp('busy');
    const sink = storeActivitySink(h.store);
    reporter = new ActivityReporter({
      control: h.control,
      sink: { write: (records) => sink.write(records).then(() => void writes.push(...records)) },
      apps: () => h.router?.apps() ?? new Set(),
      router: h.hostId,
      log: createLogger('activity-test', 'silent'),
      everyMs: 100,
      writeEveryMs: WRITE_EVERY_MS,
    });
    for (const name of ['busy', 'quiet']) {
      const record: App = { name, id: name, owner: 'u1', createdAt: new Date().toISOString(), latestRelease: 0 };
      await h.store.put(h.store.keys.app(name), record);
      await h.store.put(h.store.keys.route(name), {
        app: name,
        dynos: [{ upstream: app.address, dyno: 'web.1', host: 'elsewhere' }],
        updatedAt: new Date().toISOString(),
      } satisfies Route);
    }
    await eventually(
      async () => ((await get(h.httpPort, host('busy'))).status === 200 ? true : undefined),
      'busy to answer',
    );
    reporter.start();
  });

  afterAll(async () => {
    await reporter?.stop();
    await h?.stop();
    await app?.close();
  });

  it('shows requests in GET /activity and writes an ActivityRecord for them', async () => {
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) expect((await get(h.httpPort, host('busy'))).status).toBe(200);
    const seen = (await h.control.activity()).get('busy');
    expect(seen?.websockets).toBe(0);
    // a worker writes the time at most once a second: within a second before the requests
    expect(seen?.at).toBeGreaterThanOrEqual(t0 - 1100);
    const record = await eventually(
      () => h.store.get<ActivityRecord>(h.store.keys.activity('busy')),
      'the activity record of busy',
    );
    expect(record).toMatchObject({ app: 'busy', websockets: 0, router: h.hostId });
    expect(Date.parse(record.at)).toBeGreaterThanOrEqual(t0 - 1100);
    // no traffic, no record
    expect((await h.control.activity()).has('quiet')).toBe(false);
    expect(await h.store.get(h.store.keys.activity('quiet'))).toBeUndefined();
  });

  it('counts an open websocket, keeps its record fresh at the cadence, and writes the close', async () => {
    const ws = await openWs(h.httpPort, host('busy'));
    const opened = Date.now();
    try {
      await eventually(
        async () => ((await h.control.activity()).get('busy')?.websockets === 1 ? true : undefined),
        'the websocket counted',
      );
      const before = ofBusy().length;
      await sleep(2500); // no request meanwhile: only the open websocket keeps the app busy
      const during = ofBusy().slice(before);
      // at most one write per WRITE_EVERY_MS (+1 for the edges), and at least every other period
      expect(during.length).toBeLessThanOrEqual(Math.ceil(2500 / WRITE_EVERY_MS) + 1);
      expect(during.length).toBeGreaterThanOrEqual(2);
      expect(during.every((w) => w.websockets === 1)).toBe(true);
      const ats = during.map((w) => Date.parse(w.at));
      expect(ats).toEqual([...ats].sort((a, b) => a - b));
      expect(ats[0]).toBeGreaterThanOrEqual(opened - 1100);
      expect(ats.at(-1)).toBeGreaterThan(opened + 1000); // kept fresh while open: "now", not the upgrade's time
      const stored = await h.store.get<ActivityRecord>(h.store.keys.activity('busy'));
      expect(stored?.websockets).toBe(1);
    } finally {
      ws.ws.close();
    }
    await eventually(
      async () => ((await h.control.activity()).get('busy')?.websockets === 0 ? true : undefined),
      'the websocket uncounted',
    );
    const closed = await eventually(async () => {
      const r = await h.store.get<ActivityRecord>(h.store.keys.activity('busy'));
      return r?.websockets === 0 ? r : undefined;
    }, 'a record of the close');
    expect(Date.parse(closed.at)).toBeGreaterThan(opened);
    // the upgrade request's own time (its end: the close) reaches nginx's dict within a second (a worker writes the
    // time at most once a second), and may be written once more; after that nothing changes, so nothing is written
    await sleep(1100 + WRITE_EVERY_MS);
    const after = ofBusy().length;
    await sleep(3 * WRITE_EVERY_MS);
    expect(ofBusy().length).toBe(after); // nothing new: no more writes
  });
});
