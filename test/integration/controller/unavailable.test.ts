import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { createApp } from '../../../services/controller/app.js';
import { loadConfig } from '../../../services/controller/config.js';
import { createLogger } from '../../../services/core/logger.js';
import { Store } from '../../../services/core/store.js';

// With its etcd gone, the controller answers 503 {id: 'unavailable'}, not 500 and not a hang.

it('answers 503 when etcd cannot be reached', async () => {
  const store = Store.connect(['http://127.0.0.1:2'], '/nowhere');
  const config = loadConfig({ PAAS_INTERNAL_TOKEN: 'internal-token-for-test' });
  const server = createApp({ store, logger: createLogger('controller', 'silent'), config }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/account`, {
      headers: { authorization: 'Bearer abc' },
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ id: 'unavailable' });
  } finally {
    server.close();
    store.close();
  }
});
