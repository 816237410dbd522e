import { describe, expect, it } from 'vitest';
import { MemoryMinutes } from '../../../services/agent/metrics/minutes.js';
import type { DynoSample } from '../../../services/agent/metrics/render.js';

const T = Date.parse('2026-12-07T14:05:00Z');
const sample = (app: string, dyno: string, bytes?: number): DynoSample => ({
  labels: { app, process_type: 'web', dyno, release: '3', name: `paas-${app}`, host: 'h1' },
  ...(bytes !== undefined && { figures: { memory: { usageBytes: bytes, workingSetBytes: bytes, limitBytes: 0 } } }),
});

describe('MemoryMinutes', () => {
  it("gives each dyno's largest working set of a minute, per app, once", () => {
    const m = new MemoryMinutes();
    m.observe([sample('shop', 'web.1', 100), sample('shop', 'web.2', 50), sample('blog', 'web.1')], T + 5000);
    m.observe([sample('shop', 'web.1', 300), sample('shop', 'web.2', 40)], T + 15_000);
    m.observe([sample('shop', 'web.1', 7)], T + 65_000); // the next minute
    expect(m.take(T / 1000)).toEqual([{ app: 'shop', t: T / 1000, memory: { 'web.1': 300, 'web.2': 50 } }]);
    expect(m.take(T / 1000)).toEqual([]);
    expect(m.take(T / 1000 + 60)).toEqual([{ app: 'shop', t: T / 1000 + 60, memory: { 'web.1': 7 } }]);
  });

  it('leaves out what is not a dyno of an app', () => {
    const m = new MemoryMinutes();
    m.observe([sample('', 'web.1', 5), sample('shop', 'paas-x', 5), sample('Shop', 'web.1', 5)], T);
    expect(m.take(T / 1000)).toEqual([]);
  });
});
