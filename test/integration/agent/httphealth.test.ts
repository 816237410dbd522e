import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { httpCheck, waitForHttp } from '../../../services/agent/health.js';

// The HTTP health check of app.json's path against real HTTP servers on 127.0.0.1.

const servers: Server[] = [];
const hosts: (string | undefined)[] = [];
async function serve(status: (path: string) => number, delayMs = 0): Promise<number> {
  const server = createServer((req, res) => {
    hosts.push(req.headers.host);
    setTimeout(() => {
      res.statusCode = status(req.url ?? '');
      res.end('x');
    }, delayMs);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}
afterEach(async () => {
  hosts.length = 0;
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const check = (port: number, path = '/health', timeoutMs = 1000) =>
  httpCheck({ address: '127.0.0.1', port, path, host: 'shop.example.com', timeoutMs });

describe('httpCheck', () => {
  it('passes on 2xx and 3xx of the path, sending the app as Host', async () => {
    const port = await serve((p) => (p === '/health' ? 204 : p === '/moved' ? 302 : 404));
    expect(await check(port)).toBe('ok');
    expect(await check(port, '/moved')).toBe('ok');
    expect(await check(port, '/other')).toBe('failed');
    expect(hosts).toEqual(['shop.example.com', 'shop.example.com', 'shop.example.com']);
  });

  it('fails on 500 and on no answer in time; a closed port is unreachable', async () => {
    expect(await check(await serve(() => 500))).toBe('failed');
    expect(await check(await serve(() => 200, 800), '/health', 200)).toBe('failed');
    const port = await serve(() => 200);
    const s = servers.pop() as Server;
    await new Promise((r) => s.close(r));
    expect(await check(port)).toBe('unreachable');
  });
});

describe('waitForHttp', () => {
  it('gives up after `attempts` failed answers, long before the deadline', async () => {
    const port = await serve(() => 503);
    const started = Date.now();
    const ok = await waitForHttp({
      address: '127.0.0.1',
      port,
      path: '/',
      host: 'h',
      timeoutMs: 500,
      attempts: 2,
      deadline: Date.now() + 30_000,
      signal: new AbortController().signal,
      intervalMs: 50,
    });
    expect(ok).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(hosts.length).toBe(2);
  });

  it('passes once the path starts answering 200', async () => {
    let n = 0;
    const port = await serve(() => (++n < 3 ? 500 : 200));
    const ok = await waitForHttp({
      address: '127.0.0.1',
      port,
      path: '/',
      host: 'h',
      timeoutMs: 500,
      attempts: 5,
      deadline: Date.now() + 10_000,
      signal: new AbortController().signal,
      intervalMs: 50,
    });
    expect(ok).toBe(true);
    expect(n).toBe(3);
  });
});
