import { describe, expect, it } from 'vitest';
import {
  ApiUrls,
  apiUrlSetting,
  isUnreachable,
  parseApiUrls,
  sameOnEach,
  tryOrder,
} from '../../../services/core/apiurls.js';
import { ConfigError } from '../../../services/core/config.js';

// Several API URLs (core/apiurls.ts): the list, the order they are tried in,
// and which failures move on to the next controller.

const A = 'http://127.0.0.1:8700';
const B = 'http://127.0.0.1:8720';
const C = 'http://10.0.0.3:8700';

/** A fetch that answers per URL base: a status, or a thrown error with a cause code. */
function fakeFetch(plan: Record<string, number | string>, calls: string[]): typeof fetch {
  return (async (input: string | URL | Request) => {
    const url = String(input);
    calls.push(url);
    const base = Object.keys(plan).find((b) => url.startsWith(b)) as string;
    const v = plan[base] as number | string;
    if (typeof v === 'string') throw Object.assign(new TypeError('fetch failed'), { cause: { code: v } });
    return new Response(`answer ${v}`, { status: v });
  }) as typeof fetch;
}

describe('parseApiUrls', () => {
  it('splits a comma list, trims, drops trailing slashes, empty parts and repeats, keeps order', () => {
    expect(parseApiUrls(`${A}/, ${B} ,,${A}`)).toEqual([A, B]);
    expect(parseApiUrls('https://api.example.test/base/')).toEqual(['https://api.example.test/base']);
  });

  it('refuses a list with no URL, a non-URL, another scheme, or a query', () => {
    expect(() => parseApiUrls(' , ')).toThrow(/No API URL/);
    expect(() => parseApiUrls(`${A},nope`)).toThrow(/Not a URL: nope/);
    expect(() => parseApiUrls('ftp://x')).toThrow(/http\(s\)/);
    expect(() => parseApiUrls(`${A}/?x=1`)).toThrow(/query/);
  });

  it('apiUrlSetting: the normalised text, defaulting to the API port; a ConfigError naming the setting', () => {
    expect(apiUrlSetting({})).toBe(A);
    expect(apiUrlSetting({ PAAS_API_PORT: '18700' })).toBe('http://127.0.0.1:18700');
    expect(apiUrlSetting({ PAAS_API_URL: `${A}/,${B}/` })).toBe(`${A},${B}`);
    expect(() => apiUrlSetting({ PAAS_API_URL: 'x' })).toThrow(ConfigError);
    expect(() => apiUrlSetting({ PAAS_API_URL: 'x' })).toThrow(/^PAAS_API_URL: Not a URL/);
  });
});

describe('failover order', () => {
  it('starts from the last that worked, then the others in list order', () => {
    expect(tryOrder([A, B, C], 0)).toEqual([A, B, C]);
    expect(tryOrder([A, B, C], 1)).toEqual([B, C, A]);
    expect(tryOrder([A, B, C], 2)).toEqual([C, A, B]);
    expect(tryOrder([A, B, C], 7)).toEqual([A, B, C]);
  });

  it('moves on at connection refused and 502/503, and remembers the one that answered', async () => {
    const calls: string[] = [];
    const urls = new ApiUrls([A, B, C]);
    const fetchFn = fakeFetch({ [A]: 'ECONNREFUSED', [B]: 503, [C]: 200 }, calls);
    const res = await urls.fetch('/apps', { fetchFn });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('answer 200');
    expect(calls).toEqual([`${A}/apps`, `${B}/apps`, `${C}/apps`]);
    expect(urls.pick()).toBe(C);
    calls.length = 0;
    await urls.fetch('/x', { fetchFn });
    expect(calls).toEqual([`${C}/x`]);
  });

  it('takes any other answer as the answer (a 404, a 500) without trying further', async () => {
    const calls: string[] = [];
    const urls = new ApiUrls([A, B]);
    expect((await urls.fetch('/x', { fetchFn: fakeFetch({ [A]: 500, [B]: 200 }, calls) })).status).toBe(500);
    expect(calls).toEqual([`${A}/x`]);
  });

  it('answers the last 503 when all answer so, and throws the last error when none can be reached', async () => {
    const calls: string[] = [];
    expect((await new ApiUrls([A, B]).fetch('/x', { fetchFn: fakeFetch({ [A]: 502, [B]: 503 }, calls) })).status).toBe(
      503,
    );
    await expect(
      new ApiUrls([A, B]).fetch('/x', { fetchFn: fakeFetch({ [A]: 'ECONNRESET', [B]: 'ECONNREFUSED' }, calls) }),
    ).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
  });

  it('does not retry an error that is not about reaching the controller, nor after the caller aborted', async () => {
    const calls: string[] = [];
    const urls = new ApiUrls([A, B]);
    const bad = (async () => {
      calls.push('x');
      throw new TypeError('invalid header value');
    }) as unknown as typeof fetch;
    await expect(urls.fetch('/x', { fetchFn: bad })).rejects.toThrow(/invalid header/);
    expect(calls).toHaveLength(1);
    const abort = new AbortController();
    abort.abort();
    calls.length = 0;
    await expect(
      urls.fetch('/x', { fetchFn: fakeFetch({ [A]: 'ECONNRESET', [B]: 200 }, calls), signal: abort.signal }),
    ).rejects.toThrow();
    expect(calls).toHaveLength(1);
  });

  it('failed() moves the first choice on; worked() brings one back', () => {
    const urls = new ApiUrls([A, B]);
    urls.failed(A);
    expect(urls.pick()).toBe(B);
    urls.failed(A); // not the first choice any more: no change
    expect(urls.pick()).toBe(B);
    urls.worked(A);
    expect(urls.order()).toEqual([A, B]);
  });

  it('knows unreachable errors by their code or their cause’s', () => {
    expect(isUnreachable(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isUnreachable(new TypeError('fetch failed', { cause: { code: 'UND_ERR_SOCKET' } }))).toBe(true);
    expect(isUnreachable(new TypeError('fetch failed', { cause: new Error('Connect Timeout Error') }))).toBe(true);
    expect(isUnreachable(new Error('Unexpected token'))).toBe(false);
  });
});

describe('sameOnEach', () => {
  it('gives the URL an answer named first, then its path and query on each other controller', () => {
    const logplex = `${A}/apps/x/log-sessions/abc/stream`;
    expect(sameOnEach(logplex, [A, B])).toEqual([logplex, `${B}/apps/x/log-sessions/abc/stream`]);
    const attach = 'ws://127.0.0.1:8700/apps/x/dynos/run.1/attach?token=t';
    expect(sameOnEach(attach, [A, B])).toEqual([attach, 'ws://127.0.0.1:8720/apps/x/dynos/run.1/attach?token=t']);
  });

  it('keeps an API path prefix once', () => {
    const url = 'https://h1/api/apps/x/log-sessions/s/stream';
    expect(sameOnEach(url, ['https://h1/api', 'https://h2/api'])).toEqual([
      url,
      'https://h2/api/apps/x/log-sessions/s/stream',
    ]);
  });
});
