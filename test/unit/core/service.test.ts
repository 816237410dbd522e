import { afterEach, describe, expect, it, vi } from 'vitest';
import { runServices, type Running, type ServiceContext } from '../../../services/core/service.js';

// The lifecycle of services sharing a process (services/platform): each gets
// its own logger and the same shared values; a signal stops them all, then
// closes what they shared, then exits.

const settle = () => new Promise((r) => setTimeout(r, 20));

afterEach(() => vi.restoreAllMocks());

function capture() {
  const handlers = new Map<string, () => void>();
  vi.spyOn(process, 'on').mockImplementation(((event: string, h: () => void) => {
    handlers.set(event, h);
    return process;
  }) as typeof process.on);
  const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  return { handlers, exit, stderr };
}

describe('runServices', () => {
  it('shares one value per key, names each logger, and on SIGTERM stops all before closing what they share', async () => {
    const { handlers, exit } = capture();
    const events: string[] = [];
    const seen: unknown[] = [];
    const service =
      (name: string) =>
      async (ctx: ServiceContext): Promise<Running> => {
        const log = ctx.logger('silent');
        const store = ctx.shared(
          'store',
          () => ({ made: name }),
          () => events.push('store closed'),
        );
        seen.push(store);
        expect(log.bindings()).toMatchObject({ name });
        return {
          log,
          stop: async () => {
            await settle();
            events.push(`${name} stopped`);
          },
        };
      };
    runServices('platform', [
      ['controller', service('controller')],
      ['agent', service('agent')],
    ]);
    await settle();
    expect(seen[0]).toBe(seen[1]);
    handlers.get('SIGTERM')?.();
    await settle();
    await settle();
    expect(events).toEqual(['controller stopped', 'agent stopped', 'store closed']);
    expect(exit).toHaveBeenCalledWith(0);
  });

  it('stops those of stopFirst, and waits for them, before the others', async () => {
    const { handlers, exit } = capture();
    const events: string[] = [];
    const service =
      (name: string, ms: number) =>
      async (ctx: ServiceContext): Promise<Running> => ({
        log: ctx.logger('silent'),
        stop: async () => {
          events.push(`${name} stopping`);
          await new Promise((r) => setTimeout(r, ms));
          events.push(`${name} stopped`);
        },
      });
    runServices(
      'platform',
      [
        ['controller', service('controller', 1)],
        ['builder', service('builder', 30)],
      ],
      { stopFirst: ['builder'] },
    );
    await settle();
    handlers.get('SIGTERM')?.();
    await new Promise((r) => setTimeout(r, 80));
    expect(events).toEqual(['builder stopping', 'builder stopped', 'controller stopping', 'controller stopped']);
    expect(exit).toHaveBeenCalledWith(0);
  });

  it('a service that fails to start ends the process with a line naming it', async () => {
    const { exit, stderr } = capture();
    runServices('platform', [
      ['controller', async (ctx) => ({ log: ctx.logger('silent'), stop: async () => {} })],
      [
        'router',
        async () => {
          throw Object.assign(new Error('PAAS_HTTP_PORT must be a port'), { name: 'ConfigError' });
        },
      ],
    ]);
    await settle();
    expect(exit).toHaveBeenCalledWith(1);
    const line = JSON.parse(String(stderr.mock.calls[0]?.[0]));
    expect(line).toMatchObject({
      level: 60,
      name: 'router',
      msg: 'router failed to start',
      err: 'PAAS_HTTP_PORT must be a port',
    });
  });
});
