import { describe, expect, it } from 'vitest';
import type { Ctx } from '../../../cli/context.js';
import { run } from '../../../cli/program.js';

// The program's own behaviour, with no API behind it.

async function paas(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: Ctx = {
    env,
    cwd: '/',
    home: '/nonexistent-home',
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    readLine: async () => '',
    fetch: () => Promise.reject(new Error('no network in unit tests')),
  };
  return { code: await run(args, ctx), out: out.join('\n'), err: err.join('\n') };
}

describe('paas program', () => {
  it('has an example in the help of every command', async () => {
    const help = await paas(['--help']);
    expect(help.code).toBe(0);
    const commands = [...help.out.matchAll(/^ {2}([a-z:]+) /gm)].map((m) => m[1] as string).filter((c) => c !== 'help');
    expect(commands).toEqual(
      expect.arrayContaining([
        'login',
        'logout',
        'whoami',
        'apps',
        'apps:create',
        'apps:info',
        'keys',
        'keys:add',
        'releases',
        'users:create',
      ]),
    );
    for (const c of commands) {
      const res = await paas([c, '--help']);
      expect(res.code, c).toBe(0);
      expect(res.out, c).toMatch(/Example:\n {2}\$ paas /);
    }
  });

  it('exits 1 on an unknown command or option', async () => {
    expect((await paas(['nope'])).code).toBe(1);
    expect((await paas(['apps', '--nope'])).code).toBe(1);
  });

  it('refuses to talk to the API when not logged in', async () => {
    expect(await paas(['apps'])).toMatchObject({ code: 1, err: 'paas: Not logged in. Run `paas login` first.' });
  });

  it('reports a network failure with the API URL', async () => {
    const res = await paas(['apps'], { PAAS_TOKEN: 't', PAAS_API_URL: 'http://api.invalid:8700' });
    expect(res).toMatchObject({
      code: 1,
      err: 'paas: Could not reach the paas API at http://api.invalid:8700 (no network in unit tests)',
    });
  });

  it('refuses a login without a token', async () => {
    expect(
      await paas(['login', '--api', 'http://127.0.0.1:8700'], { PAAS_CONFIG_DIR: '/nonexistent-config' }),
    ).toMatchObject({ code: 1 });
  });
});
