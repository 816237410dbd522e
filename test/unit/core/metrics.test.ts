import { describe, expect, it } from 'vitest';
import { METRICS_PORTS, metricsListen, ServiceMetrics } from '../../../services/core/metrics.js';

describe('metricsListen', () => {
  it("is each service's port on 127.0.0.1 unless told; 0 is none", () => {
    expect(metricsListen({}, 'router')).toEqual({ host: '127.0.0.1', port: METRICS_PORTS.router });
    expect(metricsListen({ PAAS_AGENT_METRICS_PORT: '18713', PAAS_METRICS_LISTEN: '10.0.0.2' }, 'agent')).toEqual({
      host: '10.0.0.2',
      port: 18713,
    });
    expect(metricsListen({ PAAS_CONTROLLER_METRICS_PORT: '0' }, 'controller')).toBeUndefined();
    expect(new Set(Object.values(METRICS_PORTS)).size).toBe(6);
  });

  it('refuses a bad port or address, naming the setting', () => {
    expect(() => metricsListen({ PAAS_ROUTER_METRICS_PORT: '70000' }, 'router')).toThrow(/PAAS_ROUTER_METRICS_PORT/);
    expect(() => metricsListen({ PAAS_ROUTER_METRICS_PORT: 'x' }, 'router')).toThrow(/PAAS_ROUTER_METRICS_PORT/);
    expect(() => metricsListen({ PAAS_METRICS_LISTEN: 'a host; rm' }, 'router')).toThrow(/PAAS_METRICS_LISTEN/);
  });
});

describe('ServiceMetrics', () => {
  it("serves its own metrics, the process's, and the extras, each registry apart", async () => {
    const a = new ServiceMetrics('controller');
    const b = new ServiceMetrics('router');
    a.counter('paas_test_things_total', 'things', ['kind']).inc({ kind: 'x' }, 2);
    b.extra(() => '# TYPE paas_test_extra counter\npaas_test_extra 7');
    b.extra(() => {
      throw new Error('nginx is down');
    });
    const [ta, tb] = [await a.text(), await b.text()];
    expect(ta).toContain('paas_test_things_total{kind="x"} 2');
    expect(ta).not.toContain('paas_test_extra');
    expect(tb).toContain('paas_test_extra 7\n');
    expect(tb).not.toContain('paas_test_things_total');
    for (const t of [ta, tb]) {
      expect(t).toMatch(/^process_cpu_seconds_total \d/m);
      expect(t).toMatch(/^process_resident_memory_bytes \d/m);
      expect(t).toMatch(/^nodejs_eventloop_lag_seconds /m);
    }
  });
});
