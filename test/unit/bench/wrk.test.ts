import { describe, expect, it } from 'vitest';
import { parseWrk, roundsFields } from '../../../bench/wrk.js';

const report = (tail: string) => `Running 5s test @ http://127.0.0.1:80/
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.69ms    1.48ms  29.73ms   92.28%
    Req/Sec    10.45k     1.20k   12.00k    70.00%
  Latency Distribution
     50%  850.00us
     75%    1.80ms
     90%    2.90ms
     99%    1.20s
  52345 requests in 5.00s, 7.20MB read
${tail}Requests/sec:  10469.00
Transfer/sec:      1.44MB
`;

describe('parseWrk', () => {
  it('reads requests, time, percentiles in any unit, and no failures', () => {
    expect(parseWrk(report(''))).toEqual({
      requests: 52345,
      seconds: 5,
      rps: 10469,
      p50Ms: 0.85,
      p99Ms: 1200,
      failed: 0,
    });
  });

  it('counts socket errors and answers that are not 2xx/3xx as failed', () => {
    const r = parseWrk(
      report('  Socket errors: connect 1, read 2, write 3, timeout 4\n  Non-2xx or 3xx responses: 10\n'),
    );
    expect(r.failed).toBe(20);
  });

  it('refuses text that is not a wrk --latency report', () => {
    expect(() => parseWrk('unable to connect to 127.0.0.1:80 Connection refused')).toThrow(
      /not a wrk --latency report/,
    );
  });
});

describe('roundsFields', () => {
  it("sums a target's rounds: requests over seconds, the rounds' median percentiles, its failures", () => {
    const r = (requests: number, seconds: number, p50Ms: number, p99Ms: number, failed = 0) => ({
      requests,
      seconds,
      rps: requests / seconds,
      p50Ms,
      p99Ms,
      failed,
    });
    const { rps, requests, fields } = roundsFields('on', [r(1000, 1, 1, 9), r(3000, 2, 3, 5, 2), r(2000, 1, 2, 7)]);
    expect(rps).toBe(1500);
    expect(requests).toBe(6000);
    expect(fields).toEqual({ on_rps: 1500, on_p50_ms: 2, on_p99_ms: 7, on_requests: 6000, on_failed: 2 });
  });
});
