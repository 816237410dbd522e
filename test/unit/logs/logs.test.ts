import { describe, expect, it } from 'vitest';
import {
  cleanLine,
  dynoOf,
  exitStateLine,
  formatLogLine,
  isoMicro,
  l10Line,
  matchesFilter,
  parseIngest,
  parseL10,
  type LogRecord,
} from '../../../services/core/logs.js';
import { LogRing } from '../../../services/controller/logs/ring.js';
import { byTime, lastMatching, parseSessionRequest } from '../../../services/controller/logs/sessions.js';
import { octetFrame, parseDrainUrl, readFrames, syslogMessage } from '../../../services/controller/logs/syslog.js';
import { releaseLines, restartLine, scaleLine } from '../../../services/controller/logs/events.js';
import { FloodQueue } from '../../../services/agent/logs/flood.js';
import { lineReader, normNano, sinceOf, StreamOrder } from '../../../services/agent/logs/lines.js';

const rec = (dyno: string, line: string, source: LogRecord['source'] = 'app'): LogRecord => ({
  at: '2026-11-24T22:00:00.123456Z',
  source,
  dyno,
  line,
});

describe('log format', () => {
  it('prints Heroku lines', () => {
    expect(formatLogLine(rec('web.1', 'listening'))).toBe('2026-11-24T22:00:00.123456+00:00 app[web.1]: listening');
    expect(formatLogLine(rec('api', 'Release v5 created by user a@b.c', 'paas'))).toBe(
      '2026-11-24T22:00:00.123456+00:00 paas[api]: Release v5 created by user a@b.c',
    );
    expect(formatLogLine(rec('router', 'at=info method=GET path="/" status=200', 'router'))).toBe(
      '2026-11-24T22:00:00.123456+00:00 router: at=info method=GET path="/" status=200',
    );
  });
  it('keeps microseconds of Docker timestamps', () => {
    expect(isoMicro('2026-11-24T22:00:00.123456789Z')).toBe('2026-11-24T22:00:00.123456Z');
    expect(isoMicro('2026-11-24T22:00:00Z')).toBe('2026-11-24T22:00:00.000000Z');
    expect(isoMicro('2026-11-24T23:00:00.5+01:00')).toBe('2026-11-24T22:00:00.500000Z');
    expect(isoMicro('yesterday')).toBeUndefined();
  });
  it('filters by type, dyno and source', () => {
    expect(matchesFilter(rec('web.1', 'x'), { dyno: 'web' })).toBe(true);
    expect(matchesFilter(rec('web.12', 'x'), { dyno: 'web.1' })).toBe(false);
    expect(matchesFilter(rec('worker.1', 'x'), { dyno: 'web' })).toBe(false);
    expect(matchesFilter(rec('webx.1', 'x'), { dyno: 'web' })).toBe(false);
    expect(matchesFilter(rec('web.1', 'x', 'paas'), { source: 'app' })).toBe(false);
    expect(matchesFilter(rec('web.1', 'x', 'paas'), { source: 'paas', dyno: 'web' })).toBe(true);
  });
  it('cuts long lines and strips newlines', () => {
    expect(cleanLine('a\r\n')).toBe('a');
    const long = cleanLine('é'.repeat(20_000));
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(10 * 1024);
    expect(long.endsWith('[line truncated]')).toBe(true);
  });
  it('validates an ingest batch', () => {
    const ok = parseIngest({
      lines: [{ app: 'my-app', at: '2026-11-24T22:00:00.1Z', source: 'app', dyno: 'web.1', line: 'hi' }],
    });
    expect(ok[0]).toEqual({
      app: 'my-app',
      at: '2026-11-24T22:00:00.100000Z',
      source: 'app',
      dyno: 'web.1',
      line: 'hi',
    });
    expect(() => parseIngest({ lines: [{ app: 'My App', at: 'x', source: 'app', dyno: 'web.1', line: '' }] })).toThrow(
      /app name/,
    );
    expect(() =>
      parseIngest({ lines: [{ app: 'a1', at: '2026-11-24T22:00:00Z', source: 'kernel', dyno: 'web.1', line: '' }] }),
    ).toThrow(/source/);
    expect(() => parseIngest({ lines: new Array(5001).fill({}) })).toThrow(/at most 5000/);
  });
  it('names dynos from assignment ids', () => {
    expect(dynoOf('shop', 'shop.web.2.v7.g3', 'web')).toBe('web.2');
    expect(dynoOf('shop', 'other', 'release')).toBe('release');
  });
});

describe('ring buffer', () => {
  it('keeps the newest lines within the line and byte bounds', () => {
    const r = new LogRing(1500, 1_000_000);
    for (let i = 0; i < 5000; i++) r.push(rec('web.1', `line ${i}`));
    expect(r.size).toBe(1500);
    expect(r.last(2).map((x) => x.line)).toEqual(['line 4998', 'line 4999']);
    expect(r.all()[0]?.line).toBe('line 3500');
    const small = new LogRing(1500, 10_000);
    for (let i = 0; i < 1000; i++) small.push(rec('web.1', 'x'.repeat(100)));
    expect(small.bytes).toBeLessThanOrEqual(10_000);
    expect(small.size).toBeLessThan(100);
  });
  it('takes the last N matching a filter', () => {
    const all = [rec('web.1', 'a'), rec('worker.1', 'b'), rec('web.2', 'c'), rec('web.1', 'd')];
    expect(lastMatching(all, { dyno: 'web' }, 2).map((r) => r.line)).toEqual(['c', 'd']);
  });
  it('validates session requests', () => {
    expect(parseSessionRequest({})).toEqual({ lines: 100, tail: false });
    expect(parseSessionRequest({ lines: 5, tail: true, dyno: 'web', source: 'router' })).toEqual({
      lines: 5,
      tail: true,
      dyno: 'web',
      source: 'router',
    });
    expect(() => parseSessionRequest({ lines: -1 })).toThrow();
    expect(() => parseSessionRequest({ source: 'x' })).toThrow();
  });
});

describe('drains', () => {
  it('accepts syslog, syslog+tls and https URLs', () => {
    expect(parseDrainUrl('syslog+tls://logs.example.com:6514')).toMatchObject({
      kind: 'syslog+tls',
      host: 'logs.example.com',
      port: 6514,
    });
    expect(parseDrainUrl('syslog://127.0.0.1:514')).toMatchObject({ kind: 'syslog', port: 514 });
    expect(parseDrainUrl('https://user:pw@logs.example.com/drain')).toMatchObject({ kind: 'https', port: 443 });
  });
  it.each([
    ['http://logs.example.com/', /scheme/],
    ['ftp://x:1', /scheme/],
    ['syslog://logs.example.com', /port/],
    ['syslog+tls://u:p@logs.example.com:6514', /credentials/],
    ['syslog://logs.example.com:514/path', /only scheme/],
    ['not a url', /spaces|not a URL/],
    ['', /required/],
  ])('refuses %s', (url, why) => {
    expect(() => parseDrainUrl(url)).toThrow(why);
  });
  it('frames RFC 5424 messages with octet counting', () => {
    const msg = syslogMessage(rec('web.1', 'héllo'), 'd.123');
    expect(msg).toBe('<190>1 2026-11-24T22:00:00.123456+00:00 d.123 app web.1 - - héllo');
    const frame = octetFrame(msg);
    expect(frame.startsWith(`${Buffer.byteLength(msg)} <190>`)).toBe(true);
    const two = Buffer.from(frame + frame + '12 <19');
    const { messages, rest } = readFrames(two);
    expect(messages).toEqual([msg, msg]);
    expect(rest.toString()).toBe('12 <19');
  });
});

describe('platform events', () => {
  it('words releases, scaling and restarts', () => {
    expect(releaseLines({ version: 5, description: 'Set FOO config vars' }, 'a@b.c')).toEqual([
      'Set FOO config vars by user a@b.c',
      'Release v5 created by user a@b.c',
    ]);
    expect(
      scaleLine({ web: { quantity: 1, size: 'standard-1x' } }, { web: { quantity: 2, size: 'standard-1x' } }),
    ).toBe('Scaled to web@2:standard-1x');
    expect(scaleLine({ web: { quantity: 1, size: 's' } }, { web: { quantity: 1, size: 's' } })).toBeUndefined();
    expect(restartLine({ generation: 3, all: 3, types: {}, dynos: {} })).toBe('Restarting all dynos');
    expect(restartLine({ generation: 4, all: 3, types: { web: 4 }, dynos: {} })).toBe('Restarting web dynos');
    expect(restartLine({ generation: 5, all: 3, types: { web: 4 }, dynos: { 'web.1': 5 } })).toBe(
      'Restarting web.1 dyno',
    );
  });
});

describe('flood control', () => {
  it('passes a burst, then the rate, and counts the rest', () => {
    const q = new FloodQueue({ rate: 100, burst: 10, maxLines: 1000, maxBytes: 1e6 }, 0);
    let passed = 0;
    for (let i = 0; i < 50; i++) if (q.offer(rec('web.1', `l${i}`), 0)) passed++;
    expect(passed).toBe(10);
    expect(q.dropped).toBe(40);
    for (let i = 0; i < 50; i++) if (q.offer(rec('web.1', `m${i}`), 100)) passed++; // 0.1 s later: 10 more tokens
    expect(passed).toBe(20);
    expect(q.dropped).toBe(80);
    const note = q.note('2026-11-24T22:00:01.000000Z', 'web.1');
    expect(note?.line).toBe(
      'Error L10 (output buffer overflow): 80 messages dropped since 2026-11-24T22:00:00.123456+00:00.',
    );
    expect(note?.dyno).toBe('web.1');
    expect(q.dropped).toBe(0);
    expect(q.note('x', 'web.1')).toBeUndefined();
    expect(q.take(100)).toHaveLength(21);
  });
  it('bounds the queue when nothing is taken', () => {
    const q = new FloodQueue({ rate: 1e9, burst: 1e9, maxLines: 100, maxBytes: 1e6 }, 0);
    for (let i = 0; i < 1000; i++) q.offer(rec('web.1', 'x'), i);
    expect(q.length).toBe(100);
    expect(q.dropped).toBe(900);
    expect(parseL10(l10Line(900, 'x'))).toBe(900);
  });
  it('reads lines across chunks and orders Docker timestamps', () => {
    const got: string[] = [];
    const read = lineReader((l) => got.push(l));
    read(Buffer.from('a\nb'));
    read(Buffer.from('c\n\nd\n'));
    expect(got).toEqual(['a', 'bc', 'd']);
    expect(normNano('2026-11-24T22:00:00.1Z')).toBe('2026-11-24T22:00:00.100000000Z');
    expect(normNano('2026-11-24T22:00:00.1Z') < normNano('2026-11-24T22:00:00.099999999Z')).toBe(false);
    expect(sinceOf(normNano('2026-11-24T22:00:00.25Z'))).toBe(`${Date.UTC(2026, 10, 24, 22) / 1000}.250000000`);
  });
});

describe('exitStateLine', () => {
  it('completes a one-off whatever its status', () => {
    expect(exitStateLine('run', false)).toBe('State changed from up to complete');
    expect(exitStateLine('release', true)).toBe('State changed from up to complete');
  });

  it('says crashed for any other process that exits unasked, down for one the platform stopped', () => {
    expect(exitStateLine('web', false)).toBe('State changed from up to crashed');
    expect(exitStateLine('worker', true)).toBe('State changed from up to down');
  });
});

describe('byTime', () => {
  it('orders a history by time, keeping the arrival order of equal times', () => {
    const r = (at: string, line: string): LogRecord => ({ at, source: 'app', dyno: 'web.1', line });
    const arrived = [
      r('2026-01-01T00:00:02.000000Z', 'b'),
      r('2026-01-01T00:00:01.000000Z', 'a'),
      r('2026-01-01T00:00:02.000000Z', 'c'),
    ];
    expect(byTime(arrived).map((x) => x.line)).toEqual(['a', 'b', 'c']);
    expect(arrived.map((x) => x.line)).toEqual(['b', 'a', 'c']);
  });
});

describe('StreamOrder', () => {
  it('takes lines in time order and refuses what Docker hands again after a rotation', () => {
    const o = new StreamOrder();
    const t = (n: number) => `2026-11-24T22:00:00.00000000${n}Z`;
    expect([o.fresh(t(1), 'a'), o.fresh(t(2), 'b'), o.fresh(t(2), 'c'), o.fresh(t(3), 'd')]).toEqual([
      true,
      true,
      true,
      true,
    ]);
    // the rotated file read again: older lines, and the last one at the newest time
    expect([o.fresh(t(1), 'a'), o.fresh(t(2), 'c'), o.fresh(t(3), 'd')]).toEqual([false, false, false]);
    expect([o.fresh(t(3), 'e'), o.fresh(t(4), 'd')]).toEqual([true, true]);
  });
});
