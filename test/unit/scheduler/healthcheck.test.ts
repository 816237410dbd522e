import { describe, expect, it } from 'vitest';
import { desiredFor } from '../../../services/scheduler/desired.js';
import { type AppInput } from '../../../services/scheduler/model.js';

describe('desiredFor and the release health check', () => {
  const app = (healthcheck?: { path: string; timeoutS?: number }): AppInput => ({
    name: 'shop',
    formation: { web: { quantity: 2, size: 'standard-1x' }, worker: { quantity: 1, size: 'eco' } },
    release: {
      version: 3,
      image: 'paas/app-shop:b',
      config: {},
      processTypes: { web: 'npm start', worker: 'node w.js' },
      ...(healthcheck && { healthcheck }),
    },
  });

  it('copies it into the web assignments only', () => {
    const out = desiredFor(app({ path: '/health', timeoutS: 2 }), 0);
    expect(out.map((a) => [a.id, a.healthcheck])).toEqual([
      ['shop.web.1.v3', { path: '/health', timeoutS: 2 }],
      ['shop.web.2.v3', { path: '/health', timeoutS: 2 }],
      ['shop.worker.1.v3', undefined],
    ]);
  });

  it('leaves it out when the release has none', () => {
    expect(desiredFor(app(), 0).every((a) => !('healthcheck' in a))).toBe(true);
  });
});
