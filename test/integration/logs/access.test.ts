import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../services/core/logger.js';
import { Store } from '../../../services/core/store.js';
import { createApp } from '../../../services/controller/app.js';
import { loadConfig } from '../../../services/controller/config.js';
import { Repo } from '../../../services/controller/repo.js';
import { ensureAdmin } from '../../../services/controller/users/users.js';
import { LogService } from '../../../services/controller/logs/service.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';

// Access that ends ends everywhere (issue 14): a tailing log stream opened
// through a collaborator's log session ends within seconds of the collaborator
// being removed, or of their token being revoked; a session made before that
// cannot be opened after it. The real controller in-process, real etcd.

const dir = mkdtempSync(join(tmpdir(), 'paas-logaccess-'));
const prefix = uniquePrefix('logaccess');
const internal = 'internal-logaccess-0123456789';
let store: Store;
let logs: LogService;
let server: ReturnType<ReturnType<typeof createApp>['listen']>;
let url = '';
let admin = '';

async function call(
  method: string,
  path: string,
  body: unknown,
  token: string,
): Promise<{ status: number; body: any }> {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function newUser(email: string): Promise<string> {
  const r = await call('POST', '/users', { email }, admin);
  expect(r.status).toBe(201);
  return r.body.token as string;
}

/** Opens a tail of the app's logs as `token`; resolves with everything read once the server ends it. */
async function tail(app: string, token: string): Promise<{ ended: Promise<string> }> {
  const s = await call('POST', `/apps/${app}/log-sessions`, { lines: 0, tail: true }, token);
  expect(s.status).toBe(201);
  const res = await fetch(s.body.logplex_url as string);
  expect(res.status).toBe(200);
  const ended = (async () => {
    let text = '';
    const dec = new TextDecoder();
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) text += dec.decode(chunk);
    return text;
  })();
  return { ended };
}

/** Resolves 'ended' when the promise settles within ms, else 'open'. */
function within(p: Promise<unknown>, ms: number): Promise<'ended' | 'open'> {
  return Promise.race([
    p.then(() => 'ended' as const),
    new Promise<'open'>((r) => setTimeout(() => r('open'), ms).unref()),
  ]);
}

beforeAll(async () => {
  store = Store.connect(etcdEndpoints(), prefix);
  const config = loadConfig({ PAAS_INTERNAL_TOKEN: internal, PAAS_ETCD_PREFIX: prefix, PAAS_STATE_DIR: dir });
  logs = new LogService(config.logs, createLogger('test', 'silent'));
  await logs.start(store);
  server = createApp({ store, logger: createLogger('test', 'silent'), config, logs }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  admin = (await ensureAdmin(new Repo(store), 'admin@example.com')).token;
  expect((await call('POST', '/apps', { name: 'guarded' }, admin)).status).toBe(201);
});

afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await logs?.stop();
  await store?.etcd.delete().prefix(prefix + '/');
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a log stream of a user who loses access', () => {
  it('ends within seconds of access:remove, with a last line saying why; the owner keeps theirs', async () => {
    const dev = await newUser('dev@example.com');
    expect((await call('POST', '/apps/guarded/collaborators', { user: 'dev@example.com' }, admin)).status).toBe(201);
    const devs = await tail('guarded', dev);
    const owners = await tail('guarded', admin);
    const spare = await call('POST', '/apps/guarded/log-sessions', { lines: 0 }, dev); // made before, opened after
    expect(await within(devs.ended, 300)).toBe('open');

    expect((await call('DELETE', '/apps/guarded/collaborators/dev@example.com', undefined, admin)).status).toBe(200);
    expect(await within(devs.ended, 5000)).toBe('ended');
    expect(await devs.ended).toContain('paas[logs]: the stream ended: access to the app ended');
    expect(await within(owners.ended, 500)).toBe('open');
    expect((await fetch(spare.body.logplex_url as string)).status).toBe(404);
  });

  it('ends within seconds of the token being revoked', async () => {
    const ops = await newUser('ops@example.com');
    expect((await call('POST', '/apps/guarded/collaborators', { user: 'ops@example.com' }, admin)).status).toBe(201);
    const second = await call('POST', '/account/tokens', { description: 'ci' }, ops);
    expect(second.status).toBe(201);
    const viaSecond = await tail('guarded', second.body.token as string);
    const viaFirst = await tail('guarded', ops);
    expect(await within(viaSecond.ended, 300)).toBe('open');

    expect((await call('DELETE', `/account/tokens/${second.body.id as string}`, undefined, ops)).status).toBe(200);
    expect(await within(viaSecond.ended, 5000)).toBe('ended');
    expect(await within(viaFirst.ended, 500)).toBe('open'); // the same user's other token still holds
  });
});
