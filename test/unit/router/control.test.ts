import { describe, expect, it } from 'vitest';
import {
  batchLine,
  batchParts,
  parseCertificateList,
  parsePairList,
  type ControlChange,
} from '../../../services/router/control.js';
import { BATCH_BYTES, BATCH_MAX } from '../../../services/router/luacontrol.js';

// The client side of the control endpoint's batches of certificates and
// challenges: their lines, how a pass's changes are cut into POSTs, the lists
// nginx answers.

describe('the control batch of certificates and challenges', () => {
  it('writes one line per change, the PEM as base64', () => {
    const chainPem = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    const line = batchLine({ kind: 'cert', version: 'ab12', cert: { chainPem, keyPem: 'key\n' } });
    expect(line).toBe(
      `cert ab12 ${Buffer.from(chainPem).toString('base64')} ${Buffer.from('key\n').toString('base64')}`,
    );
    expect(line).not.toContain('\n');
    expect(batchLine({ kind: 'cert', version: 'ab12' })).toBe('-cert ab12');
    expect(batchLine({ kind: 'sni', host: 'a.example.com', version: 'ab12' })).toBe('sni a.example.com ab12');
    expect(batchLine({ kind: 'sni', host: 'a.example.com' })).toBe('-sni a.example.com');
    expect(batchLine({ kind: 'challenge', token: 't', keyAuthorization: 't.x' })).toBe('challenge t t.x');
    expect(batchLine({ kind: 'challenge', token: 't' })).toBe('-challenge t');
  });

  it('cuts batches at BATCH_MAX changes and at BATCH_BYTES, in order, a big line alone if it must', () => {
    const small = (i: number): ControlChange => ({ kind: 'state', app: `app-${i}`, state: 'sleeping' });
    const parts = batchParts(Array.from({ length: BATCH_MAX * 2 + 1 }, (_, i) => small(i)));
    expect(parts.map((p) => p.length)).toEqual([BATCH_MAX, BATCH_MAX, 1]);
    const pem = { chainPem: 'x'.repeat(9000), keyPem: 'y'.repeat(3000) };
    const certs = Array.from({ length: 100 }, (_, i): ControlChange => ({ kind: 'cert', version: `v${i}`, cert: pem }));
    const cut = batchParts(certs);
    expect(cut.length).toBeGreaterThan(1);
    expect(cut.flat()).toEqual(certs);
    for (const p of cut) {
      const bytes = p.reduce((n, c) => n + Buffer.byteLength(batchLine(c)) + 1, 0);
      expect(bytes).toBeLessThanOrEqual(BATCH_BYTES);
    }
    const huge: ControlChange = { kind: 'cert', version: 'v', cert: { chainPem: 'x'.repeat(BATCH_BYTES), keyPem: '' } };
    expect(batchParts([small(1), huge, small(2)]).map((p) => p.length)).toEqual([1, 1, 1]);
    expect(batchParts([])).toEqual([]);
  });

  it('parses the lists nginx answers', () => {
    expect([...parseCertificateList('ab\ncd\n\n')]).toEqual(['ab', 'cd']);
    expect([...parsePairList('a.example.com v1\n*.b.example.com v2\nbroken\n')]).toEqual([
      ['a.example.com', 'v1'],
      ['*.b.example.com', 'v2'],
    ]);
  });
});
