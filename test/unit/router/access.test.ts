import { describe, expect, it } from 'vitest';
import { parseAccessLine, routerLine, type AccessRecord } from '../../../services/router/access.js';

// nginx's JSON access line (log_format paas_json) -> records and Heroku router lines.

const line = (over: Record<string, string> = {}) =>
  JSON.stringify({
    at: '1764000000.123',
    app: 'shop',
    host: 'shop.localhost',
    method: 'GET',
    path: '/cart?id=1',
    protocol: 'HTTP/1.1',
    status: '200',
    bytes: '512',
    request_time: '0.015',
    upstream: '10.0.0.2:5000',
    upstream_status: '200',
    upstream_time: '0.014',
    upstream_connect_time: '0.001',
    request_id: 'abc123',
    client: '192.0.2.7',
    ...over,
  });

describe('parseAccessLine', () => {
  it('turns a line into a record with numbers and an ISO time', () => {
    expect(parseAccessLine(line())).toEqual({
      app: 'shop',
      at: '2025-11-24T16:00:00.123Z',
      host: 'shop.localhost',
      method: 'GET',
      path: '/cart?id=1',
      protocol: 'HTTP/1.1',
      status: 200,
      bytes: 512,
      durationMs: 15,
      upstreams: ['10.0.0.2:5000'],
      upstreamStatus: 200,
      connectMs: 1,
      serviceMs: 14,
      requestId: 'abc123',
      client: '192.0.2.7',
    } satisfies AccessRecord);
  });

  it('keeps every container tried, the last status and times', () => {
    const r = parseAccessLine(
      line({
        upstream: '10.0.0.2:5000, 10.0.0.3:5000',
        upstream_status: '502, 200',
        upstream_time: '0.000, 0.020',
        upstream_connect_time: '-, 0.002',
      }),
    );
    expect(r).toMatchObject({
      upstreams: ['10.0.0.2:5000', '10.0.0.3:5000'],
      upstreamStatus: 200,
      serviceMs: 20,
      connectMs: 2,
    });
    expect(parseAccessLine(line({ upstream: '[::1]:5000 : 10.0.0.3:5000' }))?.upstreams).toEqual([
      '[::1]:5000',
      '10.0.0.3:5000',
    ]);
  });

  it('reads a request nginx answered itself (unknown host, maintenance, no container)', () => {
    const r = parseAccessLine(
      line({ app: '', status: '404', upstream: '', upstream_status: '', upstream_time: '', upstream_connect_time: '' }),
    );
    expect(r).toMatchObject({ app: '', status: 404, upstreams: [] });
    expect(r).not.toHaveProperty('upstreamStatus');
    expect(r).not.toHaveProperty('serviceMs');
  });

  it('keeps escaped characters of the path and host as they were', () => {
    expect(parseAccessLine(line({ path: '/a"b\\c\nd' }))?.path).toBe('/a"b\\c\nd');
  });

  it.each([
    '',
    'not json',
    '{"at":"1","app":"x"',
    '[1,2]',
    'null',
    JSON.stringify({ app: 'x', status: '200' }),
    line({ at: 'soon' }),
    line({ status: 'ok' }),
    line({ at: '-3' }),
  ])('skips a line that is not ours: %j', (text) => {
    expect(parseAccessLine(text)).toBeUndefined();
  });
});

describe('routerLine', () => {
  it("writes Heroku's router line", () => {
    const r = parseAccessLine(line()) as AccessRecord;
    expect(routerLine(r)).toBe(
      'at=info method=GET path="/cart?id=1" host=shop.localhost request_id=abc123 fwd="192.0.2.7" dyno=10.0.0.2:5000 connect=1ms service=14ms status=200 bytes=512 protocol=http',
    );
  });

  it("names the dyno when the router knows the upstream's", () => {
    const r = parseAccessLine(line()) as AccessRecord;
    expect(routerLine(r, (u) => (u === '10.0.0.2:5000' ? 'web.2' : undefined))).toContain(' dyno=web.2 ');
    expect(routerLine(r, () => undefined)).toContain(' dyno=10.0.0.2:5000 ');
  });

  it("marks the router's own 5xx as an error, not the app's", () => {
    expect(routerLine(parseAccessLine(line({ status: '502', upstream_status: '502' })) as AccessRecord)).toMatch(
      /^at=info /,
    );
    expect(routerLine(parseAccessLine(line({ status: '502', upstream_status: '' })) as AccessRecord)).toMatch(
      /^at=error /,
    );
    expect(routerLine(parseAccessLine(line({ status: '504', upstream_status: '504' })) as AccessRecord)).toMatch(
      /^at=info /,
    );
  });

  it('quotes a hostile path so the line stays one line', () => {
    const text = routerLine(parseAccessLine(line({ path: '/x" status=200\nfake' })) as AccessRecord);
    expect(text).not.toContain('\n');
    expect(text).toContain('path="/x\\" status=200\\nfake"');
  });
});
