import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import type { Response } from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../services/core/logger.js';
import type { LogRecord } from '../../../services/core/logs.js';
import { ServiceMetrics } from '../../../services/core/metrics.js';
import { Store } from '../../../services/core/store.js';
import type { LogDrain } from '../../../services/controller/logs/drains.js';
import { DRAIN_QUEUE, DrainForwarder } from '../../../services/controller/logs/forward.js';
import { SessionTable, SLOW_CLIENT_BYTES, streamSession } from '../../../services/controller/logs/sessions.js';
import { LogStore } from '../../../services/controller/logs/store.js';
import { LogCounts } from '../../../services/controller/metrics/counters.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';

// The lines the controller's log pipeline loses, counted by reason: a drain
// that cannot take them (its queue full: the L10 lines) and a tail reader too
// far behind (the L11 lines).

const log = createLogger('test', 'silent');
const prefix = uniquePrefix('dropcounts');
const store = Store.connect(etcdEndpoints(), prefix);

afterAll(async () => {
  await store.deletePrefix(`${prefix}/`);
  store.close();
});

const records = (n: number): LogRecord[] =>
  Array.from({ length: n }, (_, i) => ({ at: new Date().toISOString(), source: 'app', dyno: 'web.1', line: `l${i}` }));

async function dropped(metrics: ServiceMetrics, reason: string): Promise<number> {
  const series = `paas_controller_log_lines_dropped_total{reason="${reason}"}`;
  const line = (await metrics.text()).split('\n').find((l) => l.startsWith(`${series} `));
  return Number(line?.slice(series.length + 1));
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('lines lost, counted', () => {
  it("counts the lines past a drain's full queue as drain_overflow", async () => {
    const metrics = new ServiceMetrics('controller');
    const counts = new LogCounts(metrics);
    const logs = new LogStore({ maxLines: 100, maxBytesPerApp: 1 << 20, maxAppsLoaded: 4, log });
    const drain: LogDrain = {
      id: 'd1',
      app: 'drained',
      url: `syslog://127.0.0.1:${await closedPort()}`, // never connects: its queue only fills
      token: 'd.1',
      createdAt: '',
    };
    await store.put(store.keys.drain(drain.app, drain.id), drain);
    const forwarder = new DrainForwarder({ store, logs, log, counts });
    await forwarder.start();
    try {
      // until the forwarder has read the drain, a batch goes to no drain and nothing is lost
      const deadline = Date.now() + 10_000;
      while ((await dropped(metrics, 'drain_overflow')) === 0 && Date.now() < deadline) {
        await logs.append(drain.app, records(DRAIN_QUEUE + 50));
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(await dropped(metrics, 'drain_overflow')).toBe(50);
      await logs.append(drain.app, records(7));
      expect(await dropped(metrics, 'drain_overflow')).toBe(57);
    } finally {
      await forwarder.stop();
    }
  });

  it('counts the lines a tail reader is too far behind to get as tail_overflow', async () => {
    const metrics = new ServiceMetrics('controller');
    const counts = new LogCounts(metrics);
    const logs = new LogStore({ maxLines: 100, maxBytesPerApp: 1 << 20, maxAppsLoaded: 4, log });
    await logs.append('tailed', records(3));
    const session = new SessionTable().create('tailed', { lines: 10, tail: true });
    // a response whose reader has more than SLOW_CLIENT_BYTES unread
    const res = Object.assign(new EventEmitter(), {
      writableLength: SLOW_CLIENT_BYTES + 1,
      written: '',
      status() {
        return this;
      },
      setHeader: () => undefined,
      flushHeaders: () => undefined,
      write(text: string) {
        this.written += text;
        return false;
      },
      end: () => undefined,
    });
    const streaming = streamSession(logs, session, res as unknown as Response, undefined, counts);
    await new Promise((r) => setTimeout(r, 20));
    await logs.append('tailed', records(4)); // live lines, lost too
    expect(await dropped(metrics, 'tail_overflow')).toBe(7);
    expect(res.written).toBe('');
    res.emit('close');
    await streaming;
  });
});
