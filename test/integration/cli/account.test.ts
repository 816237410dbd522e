import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ctx } from '../../../cli/context.js';
import { run } from '../../../cli/program.js';
import { newUser, startController, type Harness } from '../controller/harness.js';

// account:password, tokens:create --expires-in, tokens and activity against
// the real controller (in-process, real etcd); stdin is a queue of lines.

let h: Harness;
let user: { id: string; token: string };
const tmp = mkdtempSync(join(tmpdir(), 'paas-cli-account-'));

async function paas(args: string[], lines: string[] = []): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: Ctx = {
    env: { PAAS_API_URL: h.url, PAAS_TOKEN: user.token, PAAS_CONFIG_DIR: join(tmp, 'config') },
    cwd: tmp,
    home: tmp,
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    readLine: async () => lines.shift() ?? '',
    fetch: globalThis.fetch,
  };
  const code = await run(args, ctx);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const login = (password: string) =>
  fetch(`${h.url}/account/tokens`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`cli@example.com:${password}`).toString('base64')}` },
  });

beforeAll(async () => {
  h = await startController('cli-account');
  user = await newUser(h, 'cli@example.com');
});
afterAll(async () => {
  await h?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('paas account:password', () => {
  it('sets a first password from stdin, then changes it with the current one from the next line', async () => {
    expect(await paas(['account:password', '--stdin', '--json'], ['first-password'])).toMatchObject({
      code: 0,
      out: JSON.stringify({ ok: true }, null, 2),
    });
    expect((await login('first-password')).status).toBe(201);
    expect(await paas(['account:password', '--stdin'], ['second-password', 'first-password'])).toMatchObject({
      code: 0,
      out: 'Password changed.',
    });
    expect((await login('second-password')).status).toBe(201);
    const wrong = await paas(['account:password', '--stdin'], ['third-password', 'not-the-current']);
    expect(wrong).toMatchObject({ code: 1, err: 'paas: current_password is not your current password.' });
    const short = await paas(['account:password', '--stdin'], ['short']);
    expect(short.err).toMatch(/10 to 1024 characters/);
  });

  it('asks at a terminal only', async () => {
    expect((await paas(['account:password'])).err).toMatch(/--stdin/);
  });
});

describe('tokens and activity', () => {
  it('tokens:create --expires-in shows when it expires, and tokens lists it', async () => {
    const created = await paas(['tokens:create', '--description', 'short', '--expires-in', '1h']);
    expect(created.code).toBe(0);
    expect(created.out).toMatch(/^Created token \S+ \(short\), expires \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d UTC$/m);
    const list = await paas(['tokens']);
    expect(list.out).toMatch(/Expires/);
    expect(list.out).toMatch(/first token .* never/);
  });

  it('activity shows a scale with who did it', async () => {
    await h.call('POST', '/apps', { token: user.token, body: { name: 'cli-feed' } });
    expect((await paas(['ps:scale', 'web=2', '-a', 'cli-feed'])).code).toBe(0);
    const text = await paas(['activity', '-a', 'cli-feed']);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/=== cli-feed Activity\nWhen +Who +Kind +Description\n/);
    expect(text.out).toMatch(/UTC  cli@example\.com  scale  Scaled web to 2:standard-1x/);
    const json = JSON.parse((await paas(['activity', '-a', 'cli-feed', '--json'])).out);
    expect(json[0]).toMatchObject({ kind: 'scale', user: { email: 'cli@example.com' } });
  });
});
