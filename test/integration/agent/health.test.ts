import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { tcpAccepts, waitForPort } from '../../../services/agent/health.js';

// The TCP health check against real sockets on 127.0.0.1.

const servers: Server[] = [];
async function listen(onConnection: (s: import('node:net').Socket) => void): Promise<number> {
  const server = createServer(onConnection);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

describe('tcpAccepts', () => {
  it('is true for a port that accepts and keeps the connection', async () => {
    const port = await listen(() => undefined);
    expect(await tcpAccepts('127.0.0.1', port)).toBe(true);
  });

  it("is false for a port that hangs up at once (as Docker's proxy does while nothing listens inside)", async () => {
    const port = await listen((s) => s.destroy());
    expect(await tcpAccepts('127.0.0.1', port)).toBe(false);
  });

  it('is false for a closed port', async () => {
    const port = await listen(() => undefined);
    await new Promise((r) => servers.pop()?.close(r));
    expect(await tcpAccepts('127.0.0.1', port)).toBe(false);
  });

  it('waitForPort gives up at the deadline', async () => {
    const port = await listen((s) => s.destroy());
    const ok = await waitForPort({
      address: '127.0.0.1',
      port,
      deadline: Date.now() + 600,
      signal: new AbortController().signal,
      intervalMs: 50,
    });
    expect(ok).toBe(false);
  });
});
